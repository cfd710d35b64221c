import { parseAttributeFilter } from './attributeFilter';
import { idFromHref, toStoreConditions } from './storeConditions';

const ATTRIBUTES = ['id', 'name', 'edgeHost', '_links'];
const BASE = 'https://meo.example.com/api/mec/app_lcm/v1';

const MAPPING = {
  id: 'id',
  name: 'name',
  'edgeHost/namespace': { field: 'namespace', positiveOnly: true },
  '_links/owner/href': {
    field: 'ownerId',
    toValue: idFromHref(`${BASE}/app_instances/`),
  },
} as const;

describe('toStoreConditions', () => {
  it.each([
    ['(eq,name,a)', [{ field: 'name', op: 'in', values: ['a'] }]],
    ['(nin,id,a,b)', [{ field: 'id', op: 'notIn', values: ['a', 'b'] }]],
    ['(cont,name,a)', [{ field: 'name', op: 'contains', values: ['a'] }]],
    // ordering and ncont stay with the full filter
    ['(gte,name,a);(ncont,name,b)', []],
    // a stored value may be hidden: positive terms only
    [
      '(eq,edgeHost/namespace,ns)',
      [{ field: 'namespace', op: 'in', values: ['ns'] }],
    ],
    ['(neq,edgeHost/namespace,ns)', []],
    [
      `(eq,_links/owner/href,${BASE}/app_instances/i-1)`,
      [{ field: 'ownerId', op: 'in', values: ['i-1'] }],
    ],
    // an href outside the API: matches nothing, excludes nothing
    [
      '(in,_links/owner/href,https://elsewhere/app_instances/i-1)',
      [{ field: 'ownerId', op: 'in', values: [] }],
    ],
    ['(neq,_links/owner/href,https://elsewhere/x)', []],
    [
      `(nin,_links/owner/href,${BASE}/app_instances/i-1,x)`,
      [{ field: 'ownerId', op: 'notIn', values: ['i-1'] }],
    ],
    [`(cont,_links/owner/href,i-1)`, []],
    // a sub-resource's href is no owner's
    [
      `(eq,_links/owner/href,${BASE}/app_instances/i-1/x)`,
      [{ field: 'ownerId', op: 'in', values: [] }],
    ],
  ])('%s gives %p', (expression, conditions) => {
    expect(
      toStoreConditions(parseAttributeFilter(expression, ATTRIBUTES), MAPPING),
    ).toEqual(conditions);
  });
});
