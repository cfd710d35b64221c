import { InputError } from '@backstage/errors';

/**
 * Operators of the ETSI GS MEC 009 (clause 6.19) attribute-based filter,
 * shared with ETSI GS NFV-SOL 013.
 */
export type FilterOperator =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'lt'
  | 'gte'
  | 'lte'
  | 'in'
  | 'nin'
  | 'cont'
  | 'ncont';

const SINGLE_VALUE = new Set<FilterOperator>(['gt', 'lt', 'gte', 'lte']);
const OPERATORS = new Set<string>([
  'eq',
  'neq',
  'gt',
  'lt',
  'gte',
  'lte',
  'in',
  'nin',
  'cont',
  'ncont',
]);

/** One simple filter expression `(op,attr/path,value[,value...])`. */
export interface FilterTerm {
  op: FilterOperator;
  path: string[];
  values: string[];
}

/** A parsed filter: all terms must hold. */
export type AttributeFilter = FilterTerm[];

function invalid(reason: string): InputError {
  return new InputError(
    `Invalid attribute-based filtering expression: ${reason}`,
  );
}

/**
 * Parses a filter expression such as
 * `(eq,operationalState,ENABLED);(cont,appName,video)`.
 *
 * Values containing `,`, `)` or `'` are written in single quotes, with a
 * quote inside doubled (`'it''s'`).
 *
 * @param topLevelAttributes - the attribute names of the resource; a term on
 *   any other attribute is rejected, so that typos do not silently match nothing.
 */
export function parseAttributeFilter(
  expression: string,
  topLevelAttributes: readonly string[],
): AttributeFilter {
  const terms: FilterTerm[] = [];
  let i = 0;
  const text = expression.trim();
  if (!text) {
    throw invalid('the expression is empty');
  }
  while (i < text.length) {
    if (text[i] !== '(') {
      throw invalid(`expected '(' at position ${i + 1}`);
    }
    i++;
    const fields: string[] = [];
    let current = '';
    let closed = false;
    while (i < text.length) {
      const ch = text[i];
      if (ch === "'" && current === '') {
        // quoted value
        i++;
        let quoted = '';
        let terminated = false;
        while (i < text.length) {
          if (text[i] === "'") {
            if (text[i + 1] === "'") {
              quoted += "'";
              i += 2;
              continue;
            }
            terminated = true;
            i++;
            break;
          }
          quoted += text[i++];
        }
        if (!terminated) {
          throw invalid('a quoted value is not terminated');
        }
        if (text[i] !== ',' && text[i] !== ')') {
          throw invalid(
            `expected ',' or ')' after a quoted value at position ${i + 1}`,
          );
        }
        current = quoted;
        fields.push(current);
        current = '';
        if (text[i] === ')') {
          closed = true;
          i++;
          break;
        }
        i++;
        if (text[i] === ')') {
          throw invalid('a value is missing before )');
        }
        continue;
      }
      if (ch === ',') {
        fields.push(current);
        current = '';
        i++;
        continue;
      }
      if (ch === ')') {
        fields.push(current);
        current = '';
        closed = true;
        i++;
        break;
      }
      if (ch === '(') {
        throw invalid(`unexpected '(' at position ${i + 1}`);
      }
      current += ch;
      i++;
    }
    if (!closed) {
      throw invalid("missing ')'");
    }
    const [op, attr, ...values] = fields;
    if (!OPERATORS.has(op)) {
      throw invalid(`unknown operator '${op}'`);
    }
    if (!attr) {
      throw invalid(`operator '${op}' has no attribute name`);
    }
    const path = attr.split('/');
    if (path.some(p => !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(p))) {
      throw invalid(`'${attr}' is not an attribute name`);
    }
    if (!topLevelAttributes.includes(path[0])) {
      throw invalid(`unknown attribute '${path[0]}'`);
    }
    if (values.length === 0 || values.some(v => v === '')) {
      throw invalid(`operator '${op}' on '${attr}' needs a value`);
    }
    if (SINGLE_VALUE.has(op as FilterOperator) && values.length !== 1) {
      throw invalid(`operator '${op}' takes exactly one value`);
    }
    terms.push({ op: op as FilterOperator, path, values });
    if (i < text.length) {
      if (text[i] !== ';') {
        throw invalid(`expected ';' at position ${i + 1}`);
      }
      i++;
      if (i >= text.length) {
        throw invalid("a term is missing after ';'");
      }
    }
  }
  return terms;
}

function valuesAt(target: unknown, path: string[]): unknown[] {
  let current: unknown[] = [target];
  for (const key of path) {
    const next: unknown[] = [];
    for (const item of current) {
      if (Array.isArray(item)) {
        for (const element of item) {
          if (element && typeof element === 'object' && key in element) {
            next.push((element as Record<string, unknown>)[key]);
          }
        }
      } else if (item && typeof item === 'object' && key in item) {
        next.push((item as Record<string, unknown>)[key]);
      }
    }
    current = next;
  }
  return current.flatMap(v => (Array.isArray(v) ? v : [v]));
}

function compare(actual: unknown, expected: string): number {
  if (typeof actual === 'number') {
    const n = Number(expected);
    return Number.isNaN(n) ? NaN : actual - n;
  }
  const a = String(actual);
  if (a === expected) {
    return 0;
  }
  return a < expected ? -1 : 1;
}

function termHolds(term: FilterTerm, target: unknown): boolean {
  const actuals = valuesAt(target, term.path).filter(
    v => v !== undefined && v !== null && typeof v !== 'object',
  );
  const anyMatches = (predicate: (a: unknown) => boolean) =>
    actuals.some(predicate);
  switch (term.op) {
    case 'eq':
    case 'in':
      return anyMatches(a => term.values.some(v => compare(a, v) === 0));
    case 'neq':
    case 'nin':
      return !anyMatches(a => term.values.some(v => compare(a, v) === 0));
    case 'gt':
      return anyMatches(a => compare(a, term.values[0]) > 0);
    case 'gte':
      return anyMatches(a => compare(a, term.values[0]) >= 0);
    case 'lt':
      return anyMatches(a => compare(a, term.values[0]) < 0);
    case 'lte':
      return anyMatches(a => compare(a, term.values[0]) <= 0);
    case 'cont':
      return anyMatches(a => term.values.some(v => String(a).includes(v)));
    case 'ncont':
      return !anyMatches(a => term.values.some(v => String(a).includes(v)));
    default:
      return false;
  }
}

/** Whether an ETSI resource representation satisfies every term of a filter. */
export function matchesAttributeFilter(
  filter: AttributeFilter,
  target: unknown,
): boolean {
  return filter.every(term => termHolds(term, target));
}
