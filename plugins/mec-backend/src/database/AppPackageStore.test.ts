import { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import { createTestDatabases } from '../__testUtils__/databases';
import { applyDatabaseMigrations } from './migrations';
import { AppPackage, AppPackageCondition } from '../packages/model';
import { AppPackageStore, CONTENT_CHUNK_BYTES } from './AppPackageStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function record(id: string, overrides: Partial<AppPackage> = {}): AppPackage {
  const now = new Date(`2026-11-27T10:00:0${id.length % 10}Z`);
  return {
    id,
    appPkgName: `pkg-${id}`,
    appPkgVersion: '1.0.0',
    checksum: { algorithm: 'SHA-256', hash: 'aa' },
    onboardingState: 'CREATED',
    operationalState: 'DISABLED',
    usageState: 'NOT_IN_USE',
    mecInfo: [],
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())('AppPackageStore on %p', id => {
  let knex: Knex;
  let store: AppPackageStore;

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    store = AppPackageStore.create({ knex });
    await store.insertAppPackage(record('a'));
    await store.insertAppPackage(
      record('bb', {
        appDId: 'appd-video',
        appName: 'Video_Analytics',
        appProvider: 'ACME',
        onboardingState: 'ONBOARDED',
        operationalState: 'ENABLED',
      }),
    );
    await store.insertAppPackage(
      record('ccc', {
        appDId: 'appd-location',
        appName: 'location',
        onboardingState: 'ONBOARDED',
        operationalState: 'DISABLED',
      }),
    );
  });

  const ids = async (narrowBy: AppPackageCondition[]) =>
    (await store.listAppPackages({ narrowBy })).map(p => p.id).sort();

  it('narrows lists in SQL by package fields', async () => {
    expect(
      await ids([{ field: 'operationalState', op: 'in', values: ['ENABLED'] }]),
    ).toEqual(['bb']);
    // until its AppD is read, a package's appName is its appPkgName
    expect(
      await ids([{ field: 'appName', op: 'in', values: ['pkg-a'] }]),
    ).toEqual(['a']);
    // notIn keeps packages without the field
    expect(
      await ids([{ field: 'appProvider', op: 'notIn', values: ['ACME'] }]),
    ).toEqual(['a', 'ccc']);
    expect(
      await ids([
        { field: 'appDId', op: 'notIn', values: ['appd-video'] },
        { field: 'onboardingState', op: 'in', values: ['ONBOARDED'] },
      ]),
    ).toEqual(['ccc']);
    expect(
      await ids([
        {
          field: 'appDId',
          op: 'in',
          values: ['appd-video', 'appd-location'],
        },
      ]),
    ).toEqual(['bb', 'ccc']);
    expect(
      await ids([{ field: 'appName', op: 'contains', values: ['Video'] }]),
    ).toContain('bb');
  });

  it('never narrows by what it cannot express exactly', async () => {
    // LIKE wildcard characters pass through, for the caller's filter
    expect(
      await ids([{ field: 'appName', op: 'contains', values: ['o_A'] }]),
    ).toEqual(['a', 'bb', 'ccc']);
  });

  it('reads onboarding failures stored with an HTTP status', async () => {
    await store.insertAppPackage(record('failed'));
    for (const [status, cause] of [
      [422, 'content'],
      [502, 'unobtainable'],
    ] as const) {
      await store.updateAppPackage('failed', {
        onboardingFailure: { title: 'T', status, detail: 'D' } as any,
      });
      expect((await store.getAppPackage('failed'))?.onboardingFailure).toEqual({
        cause,
        title: 'T',
        detail: 'D',
      });
    }
    await store.deleteAppPackage('failed', {});
  });

  it('leases an onboarding in flight once, and again once the lease ran out', async () => {
    await store.insertAppPackage(
      record('lease', { onboardingState: 'UPLOADING' }),
    );
    const leases = store.onboardingLeases;
    const first = await leases.claim('lease', 1);
    expect(first).toBeDefined();
    // after the lease ran out, another replica takes over
    await new Promise(resolve => setTimeout(resolve, 50));
    const second = await leases.claim('lease', 60_000);
    expect(second).toBeDefined();
    expect(await leases.claim('lease', 60_000)).toBeUndefined();
    expect(await leases.renew(first!, 60_000)).toBe(false);
    expect(await leases.renew(second!, 60_000)).toBe(true);

    await store.updateAppPackage('lease', { onboardingState: 'CREATED' });
    await leases.release(second!);
    expect(await leases.claim('lease', 60_000)).toBeUndefined();
    await store.deleteAppPackage('lease', {});
  });

  it('reads archives back exactly, from PostgreSQL in pieces of CONTENT_CHUNK_BYTES', async () => {
    await store.insertAppPackage(record('content'));
    const packageArchive = randomBytes(2 * CONTENT_CHUNK_BYTES + 123);
    const chartArchive = randomBytes(CONTENT_CHUNK_BYTES);
    await store.putContent({
      appPkgId: 'content',
      packageArchive,
      packageMediaType: 'application/zip',
      appdText: 'appDId: x',
      appdFileName: 'appd.yaml',
      chartArchive,
    });
    // Every value a query hands back, as the driver decoded it.
    let largest = 0;
    const measure = (response: unknown) => {
      const rows = Array.isArray(response) ? response : [response];
      for (const row of rows) {
        for (const value of Object.values(row ?? {})) {
          if (Buffer.isBuffer(value)) largest = Math.max(largest, value.length);
        }
      }
    };
    knex.on('query-response', measure);
    try {
      const content = await store.getContent('content');
      expect(content?.packageArchive.equals(packageArchive)).toBe(true);
      expect(content?.chartArchive?.equals(chartArchive)).toBe(true);
      expect(content).toMatchObject({
        appPkgId: 'content',
        packageMediaType: 'application/zip',
        appdText: 'appDId: x',
        appdFileName: 'appd.yaml',
      });
    } finally {
      knex.off('query-response', measure);
    }
    // better-sqlite3 hands a blob over as it is: one piece there.
    expect(largest).toBe(
      id.startsWith('POSTGRES') ? CONTENT_CHUNK_BYTES : packageArchive.length,
    );

    // Without a chart, and an empty archive.
    await store.putContent({
      appPkgId: 'content',
      packageArchive: Buffer.alloc(0),
      packageMediaType: 'application/gzip',
    });
    const bare = await store.getContent('content');
    expect(bare?.packageArchive.length).toBe(0);
    expect(bare?.chartArchive).toBeUndefined();
    expect(bare?.appdText).toBeUndefined();

    await store.deleteContent('content');
    expect(await store.getContent('content')).toBeUndefined();
    await store.deleteAppPackage('content', {});
  });
});
