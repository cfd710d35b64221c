import { Knex } from 'knex';

/**
 * Where a page of a list ordered by creation time starts: after the item
 * created at `createdAt` with identifier `id` (the id breaks ties).
 */
export interface CreationCursor {
  createdAt: Date;
  id: string;
}

/** A page of a list: at most `limit` items after `after`, in list order. */
export interface PageRequest<TCursor> {
  after?: TCursor;
  limit?: number;
}

/**
 * A condition on a field: `in` one of the values, `notIn` any of them (an
 * item without the field satisfies it), or `contains` one of them as a
 * substring.
 */
export interface FieldCondition<TField extends string> {
  field: TField;
  op: 'in' | 'notIn' | 'contains';
  values: string[];
}

/**
 * Orders a query by creation time then id and starts it after the cursor:
 * a keyset page, stable while rows are added or removed.
 */
export function pageByCreation(
  query: Knex.QueryBuilder,
  page: PageRequest<CreationCursor> | undefined,
  columns: { createdAt: string; id: string } = {
    createdAt: 'created_at',
    id: 'id',
  },
): void {
  query.orderBy(columns.createdAt, 'asc').orderBy(columns.id, 'asc');
  const after = page?.after;
  if (after) {
    query.where(q =>
      q
        .where(columns.createdAt, '>', after.createdAt)
        .orWhere(r =>
          r
            .where(columns.createdAt, '=', after.createdAt)
            .andWhere(columns.id, '>', after.id),
        ),
    );
  }
  if (page?.limit !== undefined) {
    query.limit(page.limit);
  }
}

/**
 * Adds field conditions to a query, each on its column (or SQL expression).
 * A `contains` with a LIKE wildcard in a value adds nothing: LIKE has no
 * portable escape character, and callers apply their full filter anyway.
 */
export function whereConditions<TField extends string>(
  knex: Knex,
  query: Knex.QueryBuilder,
  conditions: readonly FieldCondition<TField>[] | undefined,
  columns: Record<TField, string>,
): void {
  for (const condition of conditions ?? []) {
    const expr = knex.raw(columns[condition.field]) as any;
    const { values } = condition;
    switch (condition.op) {
      case 'in':
        query.whereIn(expr, values);
        break;
      case 'notIn':
        query.where(q => q.whereNull(expr).orWhereNotIn(expr, values));
        break;
      case 'contains':
        if (values.every(v => !/[\\%_]/.test(v))) {
          query.where(q => {
            for (const v of values) {
              q.orWhereLike(expr, `%${v}%`);
            }
          });
        }
        break;
      default:
        throw new Error(`Unknown list condition '${condition.op}'`);
    }
  }
}
