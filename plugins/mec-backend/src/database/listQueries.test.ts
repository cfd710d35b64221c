import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { pageByCreation, whereConditions } from './listQueries';

jest.setTimeout(60_000);

const databases = createTestDatabases();

type Field = 'name' | 'note';
const COLUMNS: Record<Field, string> = { name: 'name', note: 'note' };

describe.each(databases.eachSupportedId())('list queries on %p', databaseId => {
  let knex: Knex;
  const start = Date.UTC(2026, 11, 1);

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.schema.createTable('listed', table => {
      table.string('id').primary();
      table.string('name').notNullable();
      table.string('note').nullable();
      table.timestamp('created_at', { useTz: true }).notNullable();
    });
    // Three rows per millisecond, inserted out of order.
    const rows = Array.from({ length: 12 }, (_, i) => ({
      id: `id-${String((i * 5) % 12).padStart(2, '0')}`,
      name: ['alpha', 'beta', '50%_off'][i % 3],
      note: i % 4 === 0 ? null : `note-${i % 2}`,
      created_at: new Date(start + Math.floor(i / 3)),
    }));
    await knex('listed').insert(rows.reverse());
  });

  const ids = async (
    build: (query: Knex.QueryBuilder) => void,
  ): Promise<string[]> => {
    const query = knex('listed').select('id');
    build(query);
    return (await query).map((r: { id: string }) => r.id);
  };

  it('pages by creation time then id, without gaps or duplicates', async () => {
    const all = await ids(q => pageByCreation(q, {}));
    expect(all).toHaveLength(12);
    const paged: string[] = [];
    let after: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const query = knex('listed').select('id', 'created_at');
      pageByCreation(query, { after, limit: 5 });
      const rows = await query;
      paged.push(...rows.map((r: { id: string }) => r.id));
      if (rows.length < 5) break;
      const last = rows[rows.length - 1];
      after = { createdAt: new Date(last.created_at), id: last.id };
    }
    expect(paged).toEqual(all);
    // Within one millisecond, ids decide.
    const firstThree = all.slice(0, 3);
    expect([...firstThree].sort()).toEqual(firstThree);
  });

  it('narrows by in, notIn (keeping rows without a value) and contains', async () => {
    const count = async (
      conditions: Parameters<typeof whereConditions<Field>>[2],
    ) => (await ids(q => whereConditions(knex, q, conditions, COLUMNS))).length;
    expect(
      await count([{ field: 'name', op: 'in', values: ['alpha', 'beta'] }]),
    ).toBe(8);
    expect(
      await count([{ field: 'note', op: 'notIn', values: ['note-1'] }]),
    ).toBe(6);
    expect(await count([{ field: 'note', op: 'in', values: [] }])).toBe(0);
    expect(
      await count([{ field: 'name', op: 'contains', values: ['lph', 'eta'] }]),
    ).toBe(8);
    // LIKE wildcards in a value: left to the caller's filter, nothing narrowed.
    expect(
      await count([{ field: 'name', op: 'contains', values: ['50%'] }]),
    ).toBe(12);
  });
});
