import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { createTestDatabases } from '../__testUtils__/databases';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { GrantStore } from '../database/GrantStore';
import { applyDatabaseMigrations } from '../database/migrations';
import type { PlacementHost } from '../hosts/HostDirectory';
import {
  createFakePackages,
  createHostDirectory,
  exampleHosts,
  FakePackages,
} from './__testUtils__/fakes';
import { GrantingService, PlacementError } from './GrantingService';
import { GrantRequest } from './model';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('GrantingService on %p', id => {
  let knex: Knex;
  let instances: AppInstanceStore;
  let hosts: PlacementHost[];
  let packages: FakePackages;
  let granting: GrantingService;

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    instances = AppInstanceStore.create({ knex });
  });

  beforeEach(() => {
    hosts = exampleHosts();
    packages = createFakePackages();
    granting = new GrantingService(
      createHostDirectory(hosts),
      GrantStore.create({ knex }),
      instances,
      packages,
    );
  });

  async function newInstance(
    placement: { hostName: string; namespace: string } | undefined,
  ) {
    const now = new Date();
    const appInstanceId = randomUUID();
    await instances.insert({
      id: appInstanceId,
      appPkgId: 'pkg-1',
      appDId: 'appd-location',
      appProvider: 'example',
      appName: 'location-service',
      appSoftVersion: '1.0.0',
      appDVersion: '3.1.1',
      instantiationState: placement ? 'INSTANTIATED' : 'NOT_INSTANTIATED',
      ...(placement
        ? { ...placement, releaseName: 'mec-x', operationalState: 'STARTED' }
        : {}),
      createdAt: now,
      updatedAt: now,
    });
    return appInstanceId;
  }

  const request = (
    appInstanceId: string,
    extra: Partial<GrantRequest> = {},
  ): GrantRequest => ({
    appInstanceId,
    appLcmOpOccId: randomUUID(),
    appDId: 'appd-location',
    operation: 'INSTANTIATE',
    ...extra,
  });

  it('grants INSTANTIATE on the fitting host with the most free CPU, in its namespace', async () => {
    const appInstanceId = await newInstance(undefined);
    const req = request(appInstanceId);
    const grant = await granting.grant(req);
    expect(grant).toEqual({
      id: expect.any(String),
      appInstanceId,
      appLcmOpOccId: req.appLcmOpOccId,
      operation: 'INSTANTIATE',
      hostName: 'edge-a',
      containerNamespace: 'mec-apps-edge-a',
      addedResources: [
        {
          resourceDefinitionId: 'mciop',
          containerNamespace: 'mec-apps-edge-a',
        },
      ],
      createdAt: expect.any(Date),
    });
    expect(await granting.getGrant(grant.id)).toEqual(grant);
  });

  it('places by candidates, labels and location constraints', async () => {
    const appInstanceId = await newInstance(undefined);
    const on = async (extra: Partial<GrantRequest>) =>
      (await granting.grant(request(appInstanceId, extra))).hostName;
    expect(await on({ hostSelection: { candidates: ['edge-b'] } })).toBe(
      'edge-b',
    );
    expect(
      await on({ hostSelection: { requiredLabels: { zone: 'zone-b' } } }),
    ).toBe('edge-b');
    expect(await on({ locationConstraints: { countryCode: 'se' } })).toBe(
      'edge-b',
    );
  });

  it('refuses INSTANTIATE when no host fits, with every host’s reasons', async () => {
    const appInstanceId = await newInstance(undefined);
    hosts[0].healthy = false;
    hosts[0].healthDetail = 'unreachable';
    hosts[1].freeCpuMillis = 500;
    const refused = granting.grant(request(appInstanceId));
    await expect(refused).rejects.toThrow(PlacementError);
    await expect(refused).rejects.toThrow(NotAllowedError);
    await expect(refused).rejects.toThrow(
      /edge-a: not healthy \(unreachable\).*edge-b: 500m CPU free, 1000m needed/,
    );
    hosts.length = 0;
    await expect(granting.grant(request(appInstanceId))).rejects.toThrow(
      /no edge hosts are registered/,
    );
  });

  it('grants OPERATE and TERMINATE where the instance runs, adding nothing', async () => {
    const appInstanceId = await newInstance({
      hostName: 'edge-b',
      namespace: 'team-ns',
    });
    for (const operation of ['OPERATE', 'TERMINATE'] as const) {
      const grant = await granting.grant(
        // host selection applies to INSTANTIATE only
        request(appInstanceId, {
          operation,
          hostSelection: { candidates: ['edge-a'] },
        }),
      );
      expect(grant).toMatchObject({
        operation,
        hostName: 'edge-b',
        containerNamespace: 'team-ns',
        addedResources: [],
      });
    }
    const unplaced = await newInstance(undefined);
    await expect(
      granting.grant(request(unplaced, { operation: 'TERMINATE' })),
    ).rejects.toThrow(/runs on no edge host/);
  });

  it('knows no unknown instances or grants', async () => {
    await expect(granting.grant(request('no-such-instance'))).rejects.toThrow(
      NotFoundError,
    );
    await expect(granting.getGrant('no-such-grant')).rejects.toThrow(
      NotFoundError,
    );
  });

  it('previews placement without granting', async () => {
    const appInstanceId = await newInstance(undefined);
    hosts[1].labels = {};
    hosts[1].freeMemoryBytes = 0;
    expect(await granting.previewPlacement({ appInstanceId })).toEqual({
      appPkgId: 'pkg-1',
      appDId: 'appd-location',
      appInstanceId,
      suggestedHost: 'edge-a',
      hosts: [
        { name: 'edge-a', fits: true, reasons: [] },
        {
          name: 'edge-b',
          fits: false,
          reasons: ['0 MiB memory free, 128 MiB needed'],
        },
      ],
    });
    expect(packages.pkg.usageState).toBe('NOT_IN_USE');
  });
});
