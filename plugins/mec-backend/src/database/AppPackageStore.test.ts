import { createTestDatabases } from '../__testUtils__/databases';
import { applyDatabaseMigrations } from './migrations';
import { AppPackageRecord, AppPackageStore } from './AppPackageStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function record(
  id: string,
  overrides: Partial<AppPackageRecord> = {},
): AppPackageRecord {
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
  let store: AppPackageStore;

  beforeAll(async () => {
    const knex = await databases.init(id);
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

  const ids = async (
    narrowBy: Array<{ attribute: string; op: string; values: string[] }>,
  ) => (await store.listAppPackages({ narrowBy })).map(p => p.id).sort();

  it('narrows lists in SQL with the values AppPkgInfo shows', async () => {
    expect(
      await ids([
        { attribute: 'operationalState', op: 'eq', values: ['ENABLED'] },
      ]),
    ).toEqual(['bb']);
    // a CREATED package's appName is its appPkgName
    expect(
      await ids([{ attribute: 'appName', op: 'eq', values: ['pkg-a'] }]),
    ).toEqual(['a']);
    // neq keeps packages without the attribute, as the ETSI filter does
    expect(
      await ids([{ attribute: 'appProvider', op: 'neq', values: ['ACME'] }]),
    ).toEqual(['a', 'ccc']);
    expect(
      await ids([
        {
          attribute: 'appDId',
          op: 'in',
          values: ['appd-video', 'appd-location'],
        },
      ]),
    ).toEqual(['bb', 'ccc']);
    expect(
      await ids([{ attribute: 'appName', op: 'cont', values: ['Video'] }]),
    ).toContain('bb');
  });

  it('never narrows by what it cannot express exactly', async () => {
    // wildcard characters, ordering operators and unknown attributes pass through
    expect(
      await ids([{ attribute: 'appName', op: 'cont', values: ['o_A'] }]),
    ).toEqual(['a', 'bb', 'ccc']);
    expect(
      await ids([{ attribute: 'appName', op: 'gt', values: ['m'] }]),
    ).toEqual(['a', 'bb', 'ccc']);
    expect(
      await ids([{ attribute: 'mecInfo', op: 'eq', values: ['3.1.1'] }]),
    ).toEqual(['a', 'bb', 'ccc']);
  });

  it('takes an onboarding lease once, and lets a stale holder write nothing', async () => {
    await store.insertAppPackage(
      record('lease', { onboardingState: 'UPLOADING' }),
    );
    const soon = new Date(Date.now() + 60_000);
    expect(await store.claimOnboarding('lease', 'first', soon)).toBe(true);
    expect(await store.claimOnboarding('lease', 'second', soon)).toBe(false);
    // after the lease ran out, another replica takes over
    const later = new Date(Date.now() + 120_000);
    expect(await store.claimOnboarding('lease', 'second', soon, later)).toBe(
      true,
    );
    expect(await store.holdsOnboarding('lease', 'first', soon)).toBe(false);
    expect(await store.holdsOnboarding('lease', 'second', soon)).toBe(true);
  });
});
