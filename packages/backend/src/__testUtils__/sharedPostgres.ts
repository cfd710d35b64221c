/** What we use of node-postgres (a dependency here, without types). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<{ rows: any[] }>;
  end(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client } = require('pg') as {
  Client: new (config: object) => PgClient;
};

/** `backend.database` for replicas that share one PostgreSQL server. */
export interface SharedDatabase {
  client: 'pg';
  connection: { host: string; port: number; user: string; password: string };
  /** Databases of our own (one per plugin) on a server that may be shared. */
  prefix: string;
}

/**
 * The PostgreSQL server to share: HELMMEC_BENCH_POSTGRES, else the one
 * `npm test` starts for database tests (BACKSTAGE_TEST_DATABASE_POSTGRES<N>_CONNECTION_STRING).
 */
export function postgresUrl(): string | undefined {
  if (process.env.HELMMEC_BENCH_POSTGRES)
    return process.env.HELMMEC_BENCH_POSTGRES;
  const key = Object.keys(process.env).find(k =>
    /^BACKSTAGE_TEST_DATABASE_POSTGRES\d+_CONNECTION_STRING$/.test(k),
  );
  return key ? process.env[key] : undefined;
}

/**
 * A connection object, not a string: app-config.yaml's sqlite `connection`
 * is an object, and the two would merge.
 */
export function sharedDatabase(url: string, prefix: string): SharedDatabase {
  const u = new URL(url);
  return {
    client: 'pg',
    connection: {
      host: u.hostname,
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username || 'postgres'),
      password: decodeURIComponent(u.password),
    },
    prefix,
  };
}

/** Drops the databases the backends created under the prefix. */
export async function dropSharedDatabase(db: SharedDatabase): Promise<void> {
  const client = new Client({ ...db.connection, database: 'postgres' });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${db.prefix}%`],
    );
    for (const { datname } of rows)
      await client.query(
        `DROP DATABASE IF EXISTS "${datname.replace(/"/g, '""')}" WITH (FORCE)`,
      );
  } finally {
    await client.end();
  }
}
