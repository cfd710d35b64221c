import { parseAttributeFilter } from '../query/attributeFilter';
import { toPackageListConditions } from './packageListConditions';

const ATTRIBUTES = ['id', 'appName', 'appDId', 'mecInfo', 'checksum'];

describe('toPackageListConditions', () => {
  it.each([
    ['(eq,appName,a)', [{ field: 'appName', op: 'in', values: ['a'] }]],
    ['(in,id,a,b)', [{ field: 'id', op: 'in', values: ['a', 'b'] }]],
    ['(neq,appDId,a)', [{ field: 'appDId', op: 'notIn', values: ['a'] }]],
    [
      '(nin,appDId,a,b)',
      [{ field: 'appDId', op: 'notIn', values: ['a', 'b'] }],
    ],
    ['(cont,appName,a)', [{ field: 'appName', op: 'contains', values: ['a'] }]],
    // left to the full filter: ordering, ncont, nested paths, non-columns
    ['(gt,appName,a)', []],
    ['(ncont,appName,a)', []],
    ['(eq,checksum/algorithm,SHA-256)', []],
    ['(eq,mecInfo,3.1.1)', []],
    [
      '(eq,id,a);(gte,appName,b);(neq,appName,c)',
      [
        { field: 'id', op: 'in', values: ['a'] },
        { field: 'appName', op: 'notIn', values: ['c'] },
      ],
    ],
  ])('%s narrows by %p', (expression, conditions) => {
    expect(
      toPackageListConditions(parseAttributeFilter(expression, ATTRIBUTES)),
    ).toEqual(conditions);
  });
});
