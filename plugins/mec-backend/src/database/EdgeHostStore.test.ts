import { createTestDatabases } from '../__testUtils__/databases';
import { CredentialCipher } from '../hosts/CredentialCipher';
import { EdgeHostRecord, EdgeHostStore } from './EdgeHostStore';
import { applyDatabaseMigrations } from './migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const TOKEN = 'store-test-token-6f1d2c3b4a59';
const cipher = CredentialCipher.fromKey('edge host store test passphrase');

function record(
  name: string,
  overrides: Partial<EdgeHostRecord> = {},
): EdgeHostRecord {
  const now = new Date('2026-11-27T10:00:00.000Z');
  return {
    name,
    serverUrl: 'https://127.0.0.1:6443',
    caData: 'LS0tLS1CRUdJTi1DQQ==',
    credentialType: 'serviceAccountToken',
    credentialEncrypted: cipher.encrypt(name, {
      type: 'serviceAccountToken',
      token: TOKEN,
    }),
    driver: 'helm',
    labels: { 'topology.kubernetes.io/zone': 'eu-1a' },
    location: { zone: 'eu-1a', latitude: 48.1, longitude: 11.6 },
    namespacePolicy: { mode: 'perInstance', prefix: 'mec-' },
    source: 'api',
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())('EdgeHostStore on %p', id => {
  let store: EdgeHostStore;
  let knex: Awaited<ReturnType<typeof databases.init>>;

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    store = EdgeHostStore.create({ knex });
  });

  it('inserts, reads and lists hosts, refusing a duplicate name', async () => {
    expect(await store.insertEdgeHost(record('edge-b'))).toBe(true);
    expect(
      await store.insertEdgeHost(
        record('edge-a', {
          title: 'Edge A',
          description: 'first',
          driver: 'flux',
          namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
          source: 'config',
        }),
      ),
    ).toBe(true);
    expect(await store.insertEdgeHost(record('edge-b'))).toBe(false);

    const a = await store.getEdgeHost('edge-a');
    expect(a).toEqual(
      record('edge-a', {
        title: 'Edge A',
        description: 'first',
        driver: 'flux',
        namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
        source: 'config',
        credentialEncrypted: a!.credentialEncrypted,
      }),
    );
    expect(cipher.decrypt('edge-a', a!.credentialEncrypted)).toEqual({
      type: 'serviceAccountToken',
      token: TOKEN,
    });
    expect((await store.listEdgeHosts()).map(h => h.name)).toEqual([
      'edge-a',
      'edge-b',
    ]);
    expect(await store.getEdgeHost('nope')).toBeUndefined();
  });

  it('keeps the credential encrypted in the row', async () => {
    const rows = await knex('edge_hosts').select();
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
  });

  it('updates settings and records a status without touching settings', async () => {
    const later = new Date('2026-11-27T11:00:00.000Z');
    expect(
      await store.updateEdgeHost(
        'edge-b',
        { labels: { site: 'munich' }, title: undefined, driver: 'flux' },
        later,
      ),
    ).toBe(true);
    const checkedAt = new Date('2026-11-27T11:05:00.000Z');
    const status = {
      reachable: true,
      kubernetesVersion: 'v1.34.4',
      readyNodes: 3,
      totalNodes: 3,
      allocatable: { cpuMillicores: 11400, memoryBytes: 3 * 15 * 2 ** 30 },
      requested: { cpuMillicores: 250, memoryBytes: 128 * 2 ** 20 },
      requestedScope: 'cluster' as const,
      checkedAt,
    };
    expect(await store.setStatus('edge-b', status)).toBe(true);
    const b = await store.getEdgeHost('edge-b');
    expect(b).toMatchObject({
      labels: { site: 'munich' },
      driver: 'flux',
      updatedAt: later,
      status,
    });
    expect(b!.status!.checkedAt).toEqual(checkedAt);
    expect(await store.updateEdgeHost('nope', { driver: 'helm' })).toBe(false);
    expect(await store.setStatus('nope', status)).toBe(false);
  });

  it('deletes hosts', async () => {
    expect(await store.deleteEdgeHost('edge-b')).toBe(true);
    expect(await store.deleteEdgeHost('edge-b')).toBe(false);
    expect(await store.getEdgeHost('edge-b')).toBeUndefined();
  });
});
