import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { Knex } from 'knex';
import { useWriteAheadLog } from './migrations';

describe('useWriteAheadLog', () => {
  let dir: string;
  let knex: Knex;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mec-wal-'));
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: join(dir, 'mec.sqlite') },
      useNullAsDefault: true,
    });
  });

  afterEach(async () => {
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts a SQLite file in WAL mode, which a new connection still sees', async () => {
    await useWriteAheadLog(knex);
    await knex.destroy();
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: join(dir, 'mec.sqlite') },
      useNullAsDefault: true,
    });
    const [row] = await knex.raw('PRAGMA journal_mode');
    expect(row.journal_mode).toBe('wal');
  });
});
