import { mockServices } from '@backstage/backend-test-utils';
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
import { GrantDecider } from './GrantDecider';
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

  it('knows no unknown grants', async () => {
    await expect(granting.getGrant('no-such-grant')).rejects.toThrow(
      NotFoundError,
    );
    await expect(granting.getDecision('no-such-grant')).rejects.toThrow(
      NotFoundError,
    );
  });

  describe('for an instance another MEPM created', () => {
    const links = {
      appLcmOpOcc: 'http://mepm.test/app_lcm/v1/app_lcm_op_occs/o-1',
      appInstance: 'http://mepm.test/app_lcm/v1/app_instances/i-1',
    };
    const foreign = (extra: Partial<GrantRequest> = {}) =>
      request(`mepm-instance-${randomUUID()}`, { links, ...extra });

    it('places INSTANTIATE among the candidates it knows, echoing the MEPM links', async () => {
      const asked = foreign({
        hostSelection: { candidates: ['edge-b', 'not-known-here'] },
        addResources: [{ id: 'chart', type: 'OSCONTAINER' }],
      });
      const grant = await granting.issue(asked);
      expect(grant).toEqual({
        id: expect.any(String),
        appInstanceId: asked.appInstanceId,
        appLcmOpOccId: asked.appLcmOpOccId,
        operation: 'INSTANTIATE',
        hostName: 'edge-b',
        containerNamespace: 'mec-apps-edge-b',
        addedResources: [
          {
            resourceDefinitionId: 'chart',
            containerNamespace: 'mec-apps-edge-b',
          },
        ],
        links,
        createdAt: expect.any(Date),
      });
      expect(await granting.getGrant(grant.id)).toEqual(grant);
      // Without candidates: every host.
      expect((await granting.issue(foreign())).hostName).toBe('edge-a');
    });

    it('grants without a host when it knows none of the candidates', async () => {
      const grant = await granting.issue(
        foreign({ hostSelection: { candidates: ['mepm-host'] } }),
      );
      expect(grant.hostName).toBeUndefined();
      expect(grant.containerNamespace).toBeUndefined();
      expect(grant.addedResources).toEqual([{ resourceDefinitionId: 'mciop' }]);
      // Its own instances always get a host.
      const own = await newInstance(undefined);
      await expect(
        granting.grant(
          request(own, { hostSelection: { candidates: ['mepm-host'] } }),
        ),
      ).rejects.toThrow(PlacementError);
    });

    it('refuses a DISABLED or unknown package, and no fitting host', async () => {
      packages.pkg.operationalState = 'DISABLED';
      await expect(granting.issue(foreign())).rejects.toThrow(
        /appDId 'appd-location' is DISABLED/,
      );
      packages.pkg.operationalState = 'ENABLED';
      await expect(
        granting.issue(foreign({ appDId: 'appd-unknown' })),
      ).rejects.toThrow(/No onboarded application package has appDId/);
      hosts[1].freeCpuMillis = 100;
      await expect(
        granting.issue(foreign({ hostSelection: { candidates: ['edge-b'] } })),
      ).rejects.toThrow(/No edge host fits.*edge-b: 100m CPU free/);
    });

    it('grants OPERATE and TERMINATE on the host of its newest INSTANTIATE grant', async () => {
      const instantiate = foreign({
        hostSelection: { candidates: ['edge-b'] },
      });
      await granting.issue(instantiate);
      for (const operation of ['OPERATE', 'TERMINATE'] as const) {
        const grant = await granting.issue({
          ...instantiate,
          appLcmOpOccId: randomUUID(),
          operation,
          // A DISABLED package still lets its instances be operated.
          hostSelection: undefined,
        });
        expect(grant).toMatchObject({
          operation,
          hostName: 'edge-b',
          containerNamespace: 'mec-apps-edge-b',
          addedResources: [],
        });
      }
      const unknown = await granting.issue(foreign({ operation: 'TERMINATE' }));
      expect(unknown.hostName).toBeUndefined();
    });

    it('keeps the newest INSTANTIATE grant through retention until a TERMINATE grant follows', async () => {
      const store = GrantStore.create({ knex });
      const instantiate = foreign({
        hostSelection: { candidates: ['edge-b'] },
      });
      const kept = await granting.issue(instantiate);
      const later = new Date(Date.now() + 60_000);
      await store.deleteSettledBefore(later);
      expect(await store.get(kept.id)).toMatchObject({ hostName: 'edge-b' });
      const terminate = await granting.issue({
        ...instantiate,
        appLcmOpOccId: randomUUID(),
        operation: 'TERMINATE',
      });
      expect(terminate.hostName).toBe('edge-b');
      await store.deleteSettledBefore(new Date(Date.now() + 120_000));
      expect(await store.get(kept.id)).toBeUndefined();
      expect(await store.get(terminate.id)).toBeUndefined();
    });

    it('decides in the background in asynchronous mode', async () => {
      const decisions = { trigger: (_id: string) => {} };
      const asynchronous = new GrantingService(
        createHostDirectory(hosts),
        GrantStore.create({ knex }),
        instances,
        packages,
        { asynchronous: decisions },
      );
      const decider = new GrantDecider({
        grants: GrantStore.create({ knex }),
        decide: (asked, grantId) => asynchronous.decide(asked, grantId),
        logger: mockServices.logger.mock(),
      });
      const pending = await asynchronous.request(foreign());
      expect(pending).toEqual({ state: 'PROCESSING', id: expect.any(String) });
      const grantId = pending.state === 'PROCESSING' ? pending.id : '';
      expect(await asynchronous.getDecision(grantId)).toEqual({
        state: 'PROCESSING',
        id: grantId,
      });
      // Not triggered: as after a restart, the decider finds it unclaimed.
      await decider.resumeUnclaimed();
      expect(await asynchronous.getDecision(grantId)).toMatchObject({
        state: 'GRANTED',
        grant: { id: grantId, hostName: 'edge-a', links },
      });

      packages.pkg.operationalState = 'DISABLED';
      const refused = await asynchronous.request(foreign());
      await decider.resumeUnclaimed();
      expect(
        await asynchronous.getDecision(
          refused.state === 'PROCESSING' ? refused.id : '',
        ),
      ).toMatchObject({
        state: 'REFUSED',
        refusal: { status: 403, detail: expect.stringMatching(/DISABLED/) },
      });
      await decider.stop();
    });
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
