import { InputError } from '@backstage/errors';
import {
  AttributeFilter,
  matchesAttributeFilter,
  parseAttributeFilter,
} from './attributeFilter';

// An AppPkgInfo-like resource with strings, numbers, a boolean, a string
// array, a nested object and an array of objects.
const resource = {
  id: 'pkg-1',
  appName: 'video-analytics',
  appProvider: "O'Reilly, Inc. (edge)",
  size: 10,
  signed: true,
  mecInfo: ['2.1.1', '3.1.1'],
  checksum: { algorithm: 'SHA-256', hash: 'abc' },
  softwareImages: [
    { name: 'video', version: '1.0.0', labels: ['gpu', 'edge'] },
    { name: 'cache', version: '2.0.0', labels: [] },
  ],
  userDefinedData: { site: { region: 'eu-west' } },
};
const ATTRIBUTES = Object.keys(resource);

const matches = (expression: string, target: unknown = resource) =>
  matchesAttributeFilter(parseAttributeFilter(expression, ATTRIBUTES), target);

describe('parseAttributeFilter', () => {
  it.each<[string, AttributeFilter]>([
    [
      '(eq,appName,video)',
      [{ op: 'eq', path: ['appName'], values: ['video'] }],
    ],
    ['(neq,id,a)', [{ op: 'neq', path: ['id'], values: ['a'] }]],
    ['(gt,size,1)', [{ op: 'gt', path: ['size'], values: ['1'] }]],
    ['(lt,size,1)', [{ op: 'lt', path: ['size'], values: ['1'] }]],
    ['(gte,size,1)', [{ op: 'gte', path: ['size'], values: ['1'] }]],
    ['(lte,size,1)', [{ op: 'lte', path: ['size'], values: ['1'] }]],
    [
      '(cont,appName,vid)',
      [{ op: 'cont', path: ['appName'], values: ['vid'] }],
    ],
    ['(ncont,appName,x)', [{ op: 'ncont', path: ['appName'], values: ['x'] }]],
    ['(in,id,a,b,c)', [{ op: 'in', path: ['id'], values: ['a', 'b', 'c'] }]],
    ['(nin,id,a,b)', [{ op: 'nin', path: ['id'], values: ['a', 'b'] }]],
    // eq and neq may list several values too
    ['(eq,id,a,b)', [{ op: 'eq', path: ['id'], values: ['a', 'b'] }]],
    // nested attribute paths
    [
      '(eq,softwareImages/name,video)',
      [{ op: 'eq', path: ['softwareImages', 'name'], values: ['video'] }],
    ],
    [
      '(eq,userDefinedData/site/region,eu-west)',
      [
        {
          op: 'eq',
          path: ['userDefinedData', 'site', 'region'],
          values: ['eu-west'],
        },
      ],
    ],
    // several expressions joined by ';', surrounding blanks ignored
    [
      '  (eq,id,a);(neq,appName,b);(gt,size,3)  ',
      [
        { op: 'eq', path: ['id'], values: ['a'] },
        { op: 'neq', path: ['appName'], values: ['b'] },
        { op: 'gt', path: ['size'], values: ['3'] },
      ],
    ],
    // escaping: ',', ')' and "'" inside single quotes, a quote doubled
    ["(eq,appName,'a,b')", [{ op: 'eq', path: ['appName'], values: ['a,b'] }]],
    ["(eq,appName,'a)b')", [{ op: 'eq', path: ['appName'], values: ['a)b'] }]],
    [
      "(eq,appName,'it''s')",
      [{ op: 'eq', path: ['appName'], values: ["it's"] }],
    ],
    ["(eq,appName,'''')", [{ op: 'eq', path: ['appName'], values: ["'"] }]],
    [
      "(in,appName,'a,b',c,'d)')",
      [{ op: 'in', path: ['appName'], values: ['a,b', 'c', 'd)'] }],
    ],
    [
      "(eq,appName,'(x);y')",
      [{ op: 'eq', path: ['appName'], values: ['(x);y'] }],
    ],
    // a quote that does not open a value is an ordinary character
    ["(eq,appName,it's)", [{ op: 'eq', path: ['appName'], values: ["it's"] }]],
  ])('parses %s', (expression, expected) => {
    expect(parseAttributeFilter(expression, ATTRIBUTES)).toEqual(expected);
  });

  it.each([
    ['', 'the expression is empty'],
    ['   ', 'the expression is empty'],
    ['eq,id,a', "expected '(' at position 1"],
    ['(eq,id,a', "missing ')'"],
    ['(eq,id,a)(eq,id,b)', "expected ';' at position 10"],
    ['(eq,id,a);', "a term is missing after ';'"],
    ['(eq,id,a);;(eq,id,b)', "expected '(' at position 11"],
    ['(eq,id,(a))', "unexpected '(' at position 8"],
    ['(equals,id,a)', "unknown operator 'equals'"],
    ['(EQ,id,a)', "unknown operator 'EQ'"],
    ['(,id,a)', "unknown operator ''"],
    ['(eq)', "operator 'eq' has no attribute name"],
    ['(eq,,a)', "operator 'eq' has no attribute name"],
    ['(eq,id)', "operator 'eq' on 'id' needs a value"],
    ['(eq,id,)', "operator 'eq' on 'id' needs a value"],
    ['(in,id,a,,b)', "operator 'in' on 'id' needs a value"],
    ['(gt,size,1,2)', "operator 'gt' takes exactly one value"],
    ['(lte,size,1,2)', "operator 'lte' takes exactly one value"],
    ['(eq,unknown,a)', "unknown attribute 'unknown'"],
    ['(eq,nested/unknown,a)', "unknown attribute 'nested'"],
    ['(eq,checksum//hash,a)', "'checksum//hash' is not an attribute name"],
    ['(eq,checksum/,a)', "'checksum/' is not an attribute name"],
    ['(eq,1abc,a)', "'1abc' is not an attribute name"],
    ['(eq,app-name,a)', "'app-name' is not an attribute name"],
    ["(eq,appName,'abc)", 'a quoted value is not terminated'],
    [
      "(eq,appName,'a'b)",
      "expected ',' or ')' after a quoted value at position 16",
    ],
    ["(eq,appName,'a',)", 'a value is missing before )'],
  ])('refuses %p: %s', (expression, reason) => {
    let error: unknown;
    try {
      parseAttributeFilter(expression, ATTRIBUTES);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `Invalid attribute-based filtering expression: ${reason}`,
    );
  });
});

describe('matchesAttributeFilter', () => {
  it.each<[string, boolean]>([
    // eq / neq, one or several values (any of them)
    ['(eq,appName,video-analytics)', true],
    ['(eq,appName,video)', false],
    ['(eq,appName,x,video-analytics)', true],
    ['(neq,appName,video)', true],
    ['(neq,appName,video-analytics)', false],
    ['(neq,appName,x,video-analytics)', false],
    // in / nin
    ['(in,id,pkg-0,pkg-1)', true],
    ['(in,id,pkg-0,pkg-2)', false],
    ['(nin,id,pkg-0,pkg-2)', true],
    ['(nin,id,pkg-0,pkg-1)', false],
    // ordering: numbers as numbers, strings as strings
    ['(gt,size,9)', true],
    ['(gt,size,10)', false],
    ['(gte,size,10)', true],
    ['(lt,size,11)', true],
    ['(lt,size,10)', false],
    ['(lte,size,10)', true],
    ['(gt,size,9.5)', true],
    ['(gt,size,ten)', false],
    ['(lt,size,ten)', false],
    ['(gt,appName,video)', true],
    ['(lt,appName,w)', true],
    ['(gte,appName,video-analytics)', true],
    ['(lte,appName,video-analytic)', false],
    // cont / ncont: substrings, case-sensitive
    ['(cont,appName,analytics)', true],
    ['(cont,appName,Analytics)', false],
    ['(cont,appName,x,deo)', true],
    ['(ncont,appName,x)', true],
    ['(ncont,appName,x,deo)', false],
    // booleans compare by their text
    ['(eq,signed,true)', true],
    ['(eq,signed,false)', false],
    // escaped values
    ["(eq,appProvider,'O''Reilly, Inc. (edge)')", true],
    ["(cont,appProvider,', Inc. (')", true],
    ["(cont,appProvider,'''')", true],
    // arrays of values: any element
    ['(eq,mecInfo,3.1.1)', true],
    ['(eq,mecInfo,1.1.1)', false],
    ['(neq,mecInfo,3.1.1)', false],
    ['(neq,mecInfo,1.1.1)', true],
    ['(cont,mecInfo,2.1)', true],
    ['(gt,mecInfo,3)', true],
    ['(lt,mecInfo,2)', false],
    // nested objects and arrays of objects
    ['(eq,checksum/algorithm,SHA-256)', true],
    ['(eq,checksum/algorithm,SHA-512)', false],
    ['(eq,softwareImages/name,cache)', true],
    ['(eq,softwareImages/name,db)', false],
    ['(nin,softwareImages/name,db,proxy)', true],
    ['(nin,softwareImages/name,db,cache)', false],
    ['(gte,softwareImages/version,2.0.0)', true],
    ['(eq,softwareImages/labels,gpu)', true],
    ['(eq,userDefinedData/site/region,eu-west)', true],
    ['(cont,userDefinedData/site/region,west)', true],
    // objects themselves are not values
    ['(eq,checksum,SHA-256)', false],
    ['(neq,checksum,SHA-256)', true],
    // missing attributes: nothing equals, so every negation holds
    ['(eq,checksum/missing,a)', false],
    ['(neq,checksum/missing,a)', true],
    ['(nin,softwareImages/missing,a)', true],
    ['(ncont,userDefinedData/site/zone,a)', true],
    ['(gt,checksum/missing,a)', false],
    // several expressions: all must hold
    ['(eq,id,pkg-1);(cont,appName,video);(gt,size,5)', true],
    ['(eq,id,pkg-1);(cont,appName,video);(gt,size,50)', false],
  ])('%s -> %p', (expression, expected) => {
    expect(matches(expression)).toBe(expected);
  });

  it('holds for every resource when the filter is empty', () => {
    expect(matchesAttributeFilter([], resource)).toBe(true);
    expect(matchesAttributeFilter([], null)).toBe(true);
  });

  it('treats a missing or null attribute as absent', () => {
    const sparse = { ...resource, appName: null, mecInfo: [] };
    expect(matches('(eq,appName,null)', sparse)).toBe(false);
    expect(matches('(neq,appName,x)', sparse)).toBe(true);
    expect(matches('(eq,mecInfo,3.1.1)', sparse)).toBe(false);
    expect(matches('(nin,mecInfo,3.1.1)', sparse)).toBe(true);
  });
});
