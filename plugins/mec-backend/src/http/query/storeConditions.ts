import { AttributeFilter, FilterTerm } from './attributeFilter';

/** A condition a store applies in SQL (see database/listQueries.ts). */
export interface StoreCondition<F extends string> {
  field: F;
  op: 'in' | 'notIn' | 'contains';
  values: string[];
}

/**
 * How one attribute path of a representation maps to a stored field.
 * `positiveOnly` marks attributes that may be absent from a representation
 * while the column holds a value (a negated term cannot go to SQL then);
 * `toValue` maps a wire value to the stored one, undefined when no stored
 * value gives it (an href outside this API).
 */
export interface StoredAttribute<F extends string> {
  field: F;
  positiveOnly?: boolean;
  toValue?(value: string): string | undefined;
}

// Ordering operators are left out: their order depends on the database's
// collation, while the filter compares as JavaScript does.
const OPS: Partial<Record<FilterTerm['op'], StoreCondition<string>['op']>> = {
  eq: 'in',
  in: 'in',
  neq: 'notIn',
  nin: 'notIn',
  cont: 'contains',
};

/**
 * The terms of a filter that a store can apply, as its conditions. They
 * only narrow a list: every condition keeps each stored item whose
 * representation satisfies the term, so the full filter, still applied to
 * the representations, decides.
 *
 * @param attributes - by attribute path (`a/b` for nested ones), where the
 *   representation's value equals the stored field's whenever present
 */
export function toStoreConditions<F extends string>(
  filter: AttributeFilter,
  attributes: Record<string, F | StoredAttribute<F>>,
): StoreCondition<F>[] {
  const conditions: StoreCondition<F>[] = [];
  for (const term of filter) {
    const path = term.path.join('/');
    const op = OPS[term.op];
    if (!op || !Object.hasOwn(attributes, path)) {
      continue;
    }
    const entry = attributes[path];
    const attribute: StoredAttribute<F> =
      typeof entry === 'string' ? { field: entry } : entry;
    if (op === 'notIn' && attribute.positiveOnly) {
      continue;
    }
    if (!attribute.toValue) {
      conditions.push({ field: attribute.field, op, values: term.values });
      continue;
    }
    if (op === 'contains') {
      // A substring of a wire value says nothing exact about the stored one.
      continue;
    }
    const values = term.values
      .map(attribute.toValue)
      .filter((v): v is string => v !== undefined);
    // Wire values no stored value gives: `in` matches none of them, and
    // `notIn` excludes nothing for them.
    if (op === 'in' || values.length > 0) {
      conditions.push({ field: attribute.field, op, values });
    }
  }
  return conditions;
}

/**
 * The toValue of an href `{prefix}{id}`: the id, or undefined for an href
 * of another form.
 */
export function idFromHref(
  prefix: string,
): (href: string) => string | undefined {
  return href => {
    if (!href.startsWith(prefix)) {
      return undefined;
    }
    const id = href.slice(prefix.length);
    return id && !id.includes('/') ? id : undefined;
  };
}
