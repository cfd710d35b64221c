/**
 * Operators of the ETSI GS MEC 009 attribute-based filter (clause 6.19)
 * that the portal uses.
 */
export type MecFilterOperator = 'eq' | 'neq' | 'in' | 'nin' | 'cont' | 'ncont';

/**
 * One filter term, `(op,attr/path,value[,value...])`. Values are quoted,
 * a quote inside doubled, so that `,`, `)` and `'` in a value (say a name
 * typed in a search box) stay part of it. Undefined when no value is left:
 * an empty search box filters nothing.
 */
export function filterTerm(
  op: MecFilterOperator,
  path: string,
  ...values: Array<string | undefined>
): string | undefined {
  const given = values.filter((v): v is string => !!v);
  if (given.length === 0) return undefined;
  const quoted = given.map(v => `'${v.replace(/'/g, "''")}'`);
  return `(${op},${path},${quoted.join(',')})`;
}

/** The filter of which every given term must hold; undefined for none. */
export function allOf(
  ...terms: Array<string | undefined | false>
): string | undefined {
  const given = terms.filter((t): t is string => !!t);
  return given.length > 0 ? given.join(';') : undefined;
}
