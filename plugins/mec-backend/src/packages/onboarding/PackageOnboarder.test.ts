import { mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { stringify } from 'yaml';
import { AppPackageStore } from '../../database/AppPackageStore';
import { applyDatabaseMigrations } from '../../database/migrations';
import { createTestDatabases } from '../../__testUtils__/databases';
import { buildExamplePackage, sha256 } from '../../__testUtils__/packages';
import { AppPackageEvents, AppPackageEventType } from '../AppPackageEvents';
import {
  buildZip,
  chartTgz,
  mecPackageZip,
  validAppD,
} from '../content/__testUtils__/archives';
import { AppPackage } from '../model';
import {
  PackageFetcher,
  PackageOnboarder,
  PackageOnboarderOptions,
} from './PackageOnboarder';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const isZip = (b: Buffer) => b.readUInt32LE(0) === 0x04034b50;

describe.each(databases.eachSupportedId())('PackageOnboarder on %p', id => {
  let knex: Knex;
  let store: AppPackageStore;
  let events: Array<{
    type: AppPackageEventType;
    appPackage: AppPackage;
    inTransaction: boolean;
  }>;
  let fetched: string[];
  let committed: number;
  let sequence = 0;

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    store = AppPackageStore.create({ knex });
  });

  beforeEach(async () => {
    await knex('app_package_contents').delete();
    await knex('app_packages').delete();
    events = [];
    fetched = [];
    committed = 0;
  });

  const recordingEvents: AppPackageEvents = {
    async publish(trx, type, appPackage) {
      events.push({
        type,
        appPackage,
        inTransaction: trx.isTransaction === true,
      });
    },
  };

  function onboarderFetching(
    packages: Record<string, Buffer | Error | Promise<Buffer>> = {},
    options: Partial<PackageOnboarderOptions> & {
      store?: AppPackageStore;
    } = {},
  ): PackageOnboarder {
    const fetchPackage: PackageFetcher = async path => {
      fetched.push(path);
      const found = await packages[path];
      if (found instanceof Error) throw found;
      if (!found) throw new Error(`${path} answered 404 Not Found`);
      return {
        archive: found,
        mediaType: isZip(found) ? 'application/zip' : 'application/gzip',
      };
    };
    return new PackageOnboarder(options.store ?? store, recordingEvents, {
      fetchPackage,
      logger: mockServices.logger.mock(),
      onCommitted: () => committed++,
      ...options,
    });
  }

  /** A fetch that answers when `settle` is called. */
  function pendingFetch() {
    let settle: (archive: Buffer) => void = () => {};
    const archive = new Promise<Buffer>(resolve => {
      settle = resolve;
    });
    return { archive, settle: (buffer: Buffer) => settle(buffer) };
  }

  const until = async (condition: () => boolean) => {
    while (!condition()) {
      await new Promise(resolve => setTimeout(resolve, 10));
    }
  };

  const claimOf = async (appPkgId: string) =>
    (await knex('app_packages').where({ id: appPkgId }).first())
      .onboarding_claim;

  /** A package in UPLOADING, with `archive` uploaded or else an appPkgPath. */
  async function aPackage(options: {
    archive?: Buffer;
    appPkgPath?: string;
    checksumOf: Buffer;
  }): Promise<string> {
    const appPkgId = `pkg-${++sequence}`;
    const now = new Date();
    await store.insertAppPackage({
      id: appPkgId,
      appPkgName: 'demo-package',
      appPkgVersion: '0.0.1',
      appPkgPath: options.appPkgPath,
      checksum: { algorithm: 'SHA-256', hash: sha256(options.checksumOf) },
      onboardingState: 'UPLOADING',
      operationalState: 'DISABLED',
      usageState: 'NOT_IN_USE',
      mecInfo: [],
      createdAt: now,
      updatedAt: now,
    });
    if (options.archive) {
      await store.putContent({
        appPkgId,
        packageArchive: options.archive,
        packageMediaType: 'application/zip',
      });
    }
    return appPkgId;
  }

  it('onboards an uploaded MEC package ZIP: ONBOARDED, ENABLED, with AppD and chart', async () => {
    const archive = mecPackageZip();
    const appPkgId = await aPackage({ archive, checksumOf: archive });

    await onboarderFetching().onboard(appPkgId);

    const pkg = await store.getAppPackage(appPkgId);
    expect(pkg).toMatchObject({
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
      usageState: 'NOT_IN_USE',
      appDId: validAppD.appDId,
      appName: 'demo',
      appProvider: 'ACME',
      appSoftwareVersion: '1.2.3',
      appDVersion: '1.0',
      mecInfo: ['3.1.1'],
      chartName: 'demo',
      chartVersion: '0.1.0',
      chartDigest: sha256(chartTgz()),
      appd: expect.objectContaining({ appDId: validAppD.appDId }),
    });
    expect(pkg?.onboardingFailure).toBeUndefined();
    expect(pkg?.onboardingClaimedUntil).toBeUndefined();
    expect(pkg?.appdDerivation).toBeUndefined();

    const content = await store.getContent(appPkgId);
    expect(content?.packageArchive.equals(archive)).toBe(true);
    expect(content?.appdFileName).toBe('appd.yaml');
    expect(content?.appdText).toContain(`appDId: ${validAppD.appDId}`);
    expect(content?.chartArchive?.equals(chartTgz())).toBe(true);

    expect(fetched).toEqual([]);
    expect(events).toEqual([
      {
        type: 'AppPackageOnBoarded',
        appPackage: expect.objectContaining({
          id: appPkgId,
          onboardingState: 'ONBOARDED',
          operationalState: 'ENABLED',
        }),
        inTransaction: true,
      },
    ]);
    expect(committed).toBe(1);
  });

  it('onboards an example package of the repository', async () => {
    const archive = await buildExamplePackage('video-analytics');
    const appPkgId = await aPackage({ archive, checksumOf: archive });

    await onboarderFetching().onboard(appPkgId);

    expect(await store.getAppPackage(appPkgId)).toMatchObject({
      onboardingState: 'ONBOARDED',
      appDId: '5f3c9a1e-7b2d-4c8e-9a61-0d4e2b7c1a01',
      appName: 'video-analytics',
      appSoftwareVersion: '2.4.1',
      chartName: 'video-analytics',
      chartVersion: '0.1.0',
    });
    expect(events.map(e => e.type)).toEqual(['AppPackageOnBoarded']);
  });

  it('fetches a Helm chart from appPkgPath, derives its AppD and stores a MEC package ZIP', async () => {
    const chart = chartTgz({
      chartYaml: { maintainers: [{ name: 'Edge Team' }] },
    });
    const path = 'https://charts.example.com/demo-0.1.0.tgz';
    const appPkgId = await aPackage({ appPkgPath: path, checksumOf: chart });
    const onboarder = onboarderFetching({ [path]: chart });

    // trigger() runs in the background; idle() waits for it
    onboarder.trigger(appPkgId);
    await onboarder.idle();

    expect(fetched).toEqual([path]);
    const pkg = await store.getAppPackage(appPkgId);
    expect(pkg).toMatchObject({
      onboardingState: 'ONBOARDED',
      appDId: 'demo-0.1.0',
      appProvider: 'Edge Team',
      chartName: 'demo',
    });
    expect(pkg?.appdDerivation).toEqual(
      expect.arrayContaining([
        { attribute: 'appDId', source: 'demo/Chart.yaml name and version' },
      ]),
    );
    const content = await store.getContent(appPkgId);
    expect(content?.packageMediaType).toBe('application/zip');
    expect(isZip(content!.packageArchive)).toBe(true);
    expect(content?.chartArchive?.equals(chart)).toBe(true);
    expect(events.map(e => e.type)).toEqual(['AppPackageOnBoarded']);
    expect(committed).toBe(1);
  });

  it('sends a package whose checksum does not match back to CREATED, with the reason', async () => {
    const archive = mecPackageZip();
    const appPkgId = await aPackage({
      archive,
      checksumOf: Buffer.from('something else'),
    });

    await onboarderFetching().onboard(appPkgId);

    const pkg = await store.getAppPackage(appPkgId);
    expect(pkg).toMatchObject({
      onboardingState: 'CREATED',
      operationalState: 'DISABLED',
      onboardingFailure: {
        cause: 'content',
        title: 'Checksum mismatch',
        detail: expect.stringContaining(sha256(archive)),
      },
    });
    expect(pkg?.appDId).toBeUndefined();
    expect(pkg?.onboardingClaimedUntil).toBeUndefined();
    // nothing half-onboarded is left behind
    expect(await store.getContent(appPkgId)).toBeUndefined();
    expect(events).toEqual([]);
    expect(committed).toBe(1);
  });

  it.each<[string, string, () => Buffer, string]>([
    [
      'archive',
      'Unknown package format',
      () => Buffer.from('<html>502 Bad Gateway</html>'),
      'neither a ZIP',
    ],
    [
      'archive',
      'Duplicate archive entry',
      () =>
        mecPackageZip({
          extra: [{ name: 'Definitions/appd.yaml', content: 'x' }],
        }),
      'Definitions/appd.yaml',
    ],
    [
      'limits',
      'Package content too large',
      () =>
        mecPackageZip({
          extra: [{ name: 'bomb.bin', content: 'x', declaredSize: 0xfffffff0 }],
        }),
      'reached at "bomb.bin"',
    ],
    [
      'structure',
      'No Helm chart in package',
      () => buildZip([{ name: 'appd.yaml', content: stringify(validAppD) }]),
      'contains no Helm chart archive',
    ],
    [
      'appd',
      'Invalid application descriptor',
      () => mecPackageZip({ appd: { ...validAppD, appDId: undefined } }),
      'appDId',
    ],
  ])(
    'reports refused content (%s: %s) as the failure',
    async (_kind, title, build, detail) => {
      const archive = build();
      const appPkgId = await aPackage({ archive, checksumOf: archive });

      await onboarderFetching().onboard(appPkgId);

      const pkg = await store.getAppPackage(appPkgId);
      expect(pkg?.onboardingState).toBe('CREATED');
      expect(pkg?.onboardingFailure).toEqual({
        cause: 'content',
        title,
        detail: expect.stringContaining(detail),
      });
      expect(events).toEqual([]);
    },
  );

  it('reports a package that cannot be fetched as unobtainable', async () => {
    const path = 'https://charts.example.com/missing.tgz';
    const appPkgId = await aPackage({
      appPkgPath: path,
      checksumOf: Buffer.from(''),
    });

    await onboarderFetching().onboard(appPkgId);

    expect(fetched).toEqual([path]);
    expect(await store.getAppPackage(appPkgId)).toMatchObject({
      onboardingState: 'CREATED',
      onboardingFailure: {
        cause: 'unobtainable',
        title: 'Package could not be obtained',
        detail: `${path} answered 404 Not Found`,
      },
    });
    expect(events).toEqual([]);
  });

  it('refuses a package with neither content nor appPkgPath', async () => {
    const appPkgId = await aPackage({ checksumOf: Buffer.from('') });

    await onboarderFetching().onboard(appPkgId);

    expect(
      (await store.getAppPackage(appPkgId))?.onboardingFailure,
    ).toMatchObject({ cause: 'content', title: 'No package content' });
  });

  it('refuses a second package with an onboarded appDId', async () => {
    const archive = mecPackageZip();
    const first = await aPackage({ archive, checksumOf: archive });
    const second = await aPackage({ archive, checksumOf: archive });
    const onboarder = onboarderFetching();

    await onboarder.onboard(first);
    await onboarder.onboard(second);

    expect((await store.getAppPackage(first))?.onboardingState).toBe(
      'ONBOARDED',
    );
    expect(await store.getAppPackage(second)).toMatchObject({
      onboardingState: 'CREATED',
      onboardingFailure: {
        cause: 'content',
        title: 'Duplicate appDId',
        detail: expect.stringContaining(first),
      },
    });
    expect(events.map(e => [e.type, e.appPackage.id])).toEqual([
      ['AppPackageOnBoarded', first],
    ]);
  });

  it('leaves a package alone that is not being onboarded', async () => {
    const archive = mecPackageZip();
    const appPkgId = await aPackage({ archive, checksumOf: archive });
    await store.updateAppPackage(appPkgId, { onboardingState: 'CREATED' });

    await onboarderFetching().onboard(appPkgId);

    expect((await store.getAppPackage(appPkgId))?.onboardingState).toBe(
      'CREATED',
    );
    expect(events).toEqual([]);
    expect(committed).toBe(0);
  });

  it('resumes every onboarding nobody holds', async () => {
    const a = mecPackageZip();
    const b = mecPackageZip({ appd: { ...validAppD, appDId: 'other' } });
    const first = await aPackage({ archive: a, checksumOf: a });
    const second = await aPackage({ archive: b, checksumOf: b });

    await onboarderFetching().resumeUnclaimed();

    for (const appPkgId of [first, second]) {
      expect((await store.getAppPackage(appPkgId))?.onboardingState).toBe(
        'ONBOARDED',
      );
    }
    expect(events.map(e => e.appPackage.id).sort()).toEqual(
      [first, second].sort(),
    );
  });

  it('is resumed by another replica once the first one could not renew its lease, and the first writes nothing', async () => {
    const chart = chartTgz();
    const path = 'https://charts.example.com/slow-0.1.0.tgz';
    const appPkgId = await aPackage({ appPkgPath: path, checksumOf: chart });
    // the first replica loses its database connection while it fetches
    const firstStore = AppPackageStore.create({ knex });
    jest
      .spyOn(firstStore.onboardingLeases, 'renew')
      .mockRejectedValue(new Error('connection terminated'));
    const slow = pendingFetch();
    const firstLogger = mockServices.logger.mock();
    const first = onboarderFetching(
      { [path]: slow.archive },
      { store: firstStore, leaseMs: 400, logger: firstLogger },
    );
    first.trigger(appPkgId);
    await until(() => fetched.length === 1);
    const second = onboarderFetching({ [path]: chart });
    await second.resumeUnclaimed();
    expect(fetched).toHaveLength(1); // still held

    await new Promise(resolve => setTimeout(resolve, 600));
    await second.resumeUnclaimed();
    expect(await store.getAppPackage(appPkgId)).toMatchObject({
      onboardingState: 'ONBOARDED',
      appDId: 'demo-0.1.0',
    });

    // the first replica's fetch ends, with other content: it is not written
    slow.settle(Buffer.from('stale'));
    await first.idle();
    expect(await store.getAppPackage(appPkgId)).toMatchObject({
      onboardingState: 'ONBOARDED',
      appDId: 'demo-0.1.0',
    });
    expect((await store.getAppPackage(appPkgId))?.onboardingFailure).toBe(
      undefined,
    );
    expect(
      (await store.getContent(appPkgId))?.chartArchive?.equals(chart),
    ).toBe(true);
    expect(fetched).toEqual([path, path]);
    expect(events.map(e => e.type)).toEqual(['AppPackageOnBoarded']);
    expect(await claimOf(appPkgId)).toBeNull();
    expect(firstLogger.info).toHaveBeenCalledWith(
      expect.stringMatching(/stopped here: .*could not be renewed in time/),
    );
  });

  it('onboards no more packages at once than its concurrency; stop() hands them back', async () => {
    const charts = ['a', 'b'].map(name => ({
      path: `https://charts.example.com/${name}-0.1.0.tgz`,
      archive: chartTgz({ name }),
    }));
    const appPkgIds: string[] = [];
    for (const chart of charts) {
      appPkgIds.push(
        await aPackage({ appPkgPath: chart.path, checksumOf: chart.archive }),
      );
    }
    const slow = pendingFetch();
    const onboarder = onboarderFetching(
      Object.fromEntries(charts.map(chart => [chart.path, slow.archive])),
      { concurrency: 1 },
    );
    appPkgIds.forEach(appPkgId => onboarder.trigger(appPkgId));
    await until(() => fetched.length === 1);
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(fetched).toHaveLength(1);

    const stopped = onboarder.stop();
    slow.settle(charts[0].archive);
    await stopped;

    // nothing written, nothing held: another replica onboards both at once
    for (const appPkgId of appPkgIds) {
      expect(await claimOf(appPkgId)).toBeNull();
      expect((await store.getAppPackage(appPkgId))?.onboardingState).toBe(
        'UPLOADING',
      );
      expect(await store.getContent(appPkgId)).toBeUndefined();
    }
    expect(events).toEqual([]);
    expect(committed).toBe(0);
    const other = onboarderFetching(
      Object.fromEntries(charts.map(chart => [chart.path, chart.archive])),
    );
    await other.resumeUnclaimed();
    for (const appPkgId of appPkgIds) {
      expect((await store.getAppPackage(appPkgId))?.onboardingState).toBe(
        'ONBOARDED',
      );
    }
  });
});
