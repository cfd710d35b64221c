import { DatabaseManager } from '@backstage/backend-defaults/database';
import { ConfigReader } from '@backstage/config';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReencrypt } from './reencrypt';

jest.setTimeout(120_000);

const POSTGRES = Object.entries(process.env).find(([name]) =>
  /^BACKSTAGE_TEST_DATABASE_POSTGRES\d+_CONNECTION_STRING$/.test(name),
)?.[1];

const PASSWORD = 'reencrypt-command-basic-password';

class SilentLogger {
  error() {}
  warn() {}
  info() {}
  debug() {}
  child(): SilentLogger {
    return this;
  }
}

/** A plugin's database, opened as the backend opens it. */
function openDatabase(database: object, pluginId = 'mec') {
  return DatabaseManager.fromConfig(new ConfigReader({ backend: { database } }))
    .forPlugin(pluginId, {
      logger: new SilentLogger(),
      lifecycle: { addStartupHook: () => {}, addShutdownHook: () => {} },
    })
    .getClient();
}

/**
 * `npm run mec:reencrypt` against a config file: it finds the mec plugin's
 * database as the backend does, brings its schema up to date and encrypts
 * under the first key what is there.
 */
// PostgreSQL through the server `npm test` starts (as in the plugins' tests).
const ENGINES: Array<[string, boolean]> = [
  ['SQLite', false],
  ...(POSTGRES ? [['PostgreSQL', true] as [string, boolean]] : []),
];

describe.each(ENGINES)('mec:reencrypt on %s', (_name, postgres) => {
  let dir: string;
  let knex: Awaited<ReturnType<typeof openDatabase>> | undefined;
  // A database of its own on the shared server, dropped afterwards.
  const prefix = `reencrypt_${randomBytes(4).toString('hex')}_`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'helmmec-reencrypt-'));
  });

  afterAll(async () => {
    await knex?.destroy();
    if (postgres && POSTGRES) {
      const admin = await openDatabase(
        {
          client: 'pg',
          connection: POSTGRES,
          plugin: { admin: { connection: { database: 'postgres' } } },
        },
        'admin',
      );
      await admin.raw(`DROP DATABASE IF EXISTS "${prefix}mec"`);
      await admin.destroy();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-encrypts the stored secrets under the first key', async () => {
    const database = postgres
      ? { client: 'pg', connection: POSTGRES, prefix }
      : { client: 'better-sqlite3', connection: { directory: dir } };
    const configFile = join(dir, 'app-config.test.yaml');
    // JSON is YAML too.
    writeFileSync(
      configFile,
      JSON.stringify({
        backend: { database },
        mec: {
          encryptionKeys: [
            { id: 'k2', secret: randomBytes(32).toString('base64') },
            { id: 'k1', secret: 'the first key of the command test' },
          ],
        },
      }),
    );

    // A first run creates the schema; there is nothing to encrypt yet.
    await expect(runReencrypt(['--config', configFile])).resolves.toMatch(
      /under key 'k2': re-encrypted 0 edge host credential\(s\), 0 MEPM credential\(s\), 0 subscription credential\(s\), 0 op occurrence command\(s\)/,
    );

    knex = await openDatabase(database);
    // A subscription stored in clear, as before encryption at rest.
    await knex('mec_subscriptions').insert({
      id: 'sub-1',
      api: 'app_lcm',
      subscription_type: 'AppLcmOpOccSubscriptionRequest',
      callback_uri: 'https://127.0.0.1:9/callback',
      filter: null,
      authentication: JSON.stringify({
        authType: ['BASIC'],
        paramsBasic: { userName: 'meo', password: PASSWORD },
      }),
      owner: null,
      created_at: new Date(),
    });

    await expect(runReencrypt(['--config', configFile])).resolves.toMatch(
      /re-encrypted 0 edge host credential\(s\), 0 MEPM credential\(s\), 1 subscription credential\(s\)/,
    );
    const [stored] = await knex('mec_subscriptions').pluck('authentication');
    expect(stored).toMatch(/^v2\.k2\./);
    expect(stored).not.toContain(PASSWORD);
  });
});

it('mec:reencrypt fails without a key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'helmmec-reencrypt-'));
  const configFile = join(dir, 'app-config.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      backend: {
        database: {
          client: 'better-sqlite3',
          connection: { directory: dir },
        },
      },
    }),
  );
  await expect(runReencrypt(['--config', configFile])).rejects.toThrow(
    /mec.encryptionKeys .* is not configured/,
  );
  rmSync(dir, { recursive: true, force: true });
});
