import { allOf, filterTerm } from './mecFilter';

describe('filterTerm', () => {
  it('quotes values, doubling quotes, so any typed text stays one value', () => {
    expect(filterTerm('cont', 'appName', "it's (a,b)")).toBe(
      "(cont,appName,'it''s (a,b)')",
    );
    expect(filterTerm('in', 'onboardingState', 'CREATED', 'UPLOADING')).toBe(
      "(in,onboardingState,'CREATED','UPLOADING')",
    );
  });

  it('is no term when no value is given', () => {
    expect(filterTerm('cont', 'appName', '')).toBeUndefined();
    expect(filterTerm('eq', 'edgeHost/name', undefined)).toBeUndefined();
  });
});

describe('allOf', () => {
  it('joins the given terms with ; and is undefined for none', () => {
    expect(allOf('(eq,a,1)', undefined, false, '(eq,b,2)')).toBe(
      '(eq,a,1);(eq,b,2)',
    );
    expect(allOf(undefined, '')).toBeUndefined();
  });
});
