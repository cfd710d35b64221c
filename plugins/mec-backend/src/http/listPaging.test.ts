import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { AppPackageStore } from '../database/AppPackageStore';
import { EdgeHostStore } from '../database/EdgeHostStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { mecPlugin } from '../plugin';
import { spec as appLcmSpec } from '../schema/openapi/generated/app_lcm';
import { spec as appPkgmSpec } from '../schema/openapi/generated/app_pkgm';
import { spec as hostsSpec } from '../schema/openapi/generated/hosts';
import { createTestDatabases } from '../__testUtils__/databases';
import { expectConformingResponse } from '../__testUtils__/openApiConformance';

jest.setTimeout(180_000);

const databases = createTestDatabases();
const API_ROOT = 'https://meo.example.com/api/mec';
const MEC = '/api/mec';
const LCM = `${API_ROOT}/app_lcm/v1`;
const PAGE_SIZE = 100;

type Spec = Parameters<typeof expectConformingResponse>[0];

/**
 * ETSI GS MEC 009 paging over HTTP on every list: 250 instances give three
 * pages of at most `mec.api.pageSize`, linked by absolute `Link` headers,
 * without gaps or duplicates, filtered in SQL or not, with the attribute
 * selectors applied to each page.
 */
describe.each(databases.eachSupportedId())('paged lists on %p', databaseId => {
  let server: Parameters<typeof request>[0];
  let knex: Awaited<ReturnType<typeof databases.init>>;
  /** In list order: creation time, then id. */
  let instanceIds: string[] = [];
  const appNames = new Map<string, string>();
  const versions = new Map<string, string>();
  const target = randomUUID();

  /** Follows `Link: <...>; rel="next"` from the first page to the last. */
  async function pages(
    spec: Spec,
    template: string,
    firstUrl: string,
  ): Promise<Array<{ body: any; link?: string }>> {
    const result: Array<{ body: any; link?: string }> = [];
    let url: string | undefined = firstUrl;
    while (url) {
      const res = await request(server).get(url.replace(API_ROOT, MEC));
      expect(res.status).toBe(200);
      expectConformingResponse(spec, { method: 'get', path: template }, res);
      const link = res.headers.link as string | undefined;
      result.push({ body: res.body, link });
      if (link) {
        const match = /^<([^>]+)>; rel="next"$/.exec(link);
        expect(match).not.toBeNull();
        url = match![1];
        expect(url.startsWith(`${API_ROOT}/`)).toBe(true);
      } else {
        url = undefined;
      }
      expect(result.length).toBeLessThan(10);
    }
    return result;
  }

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await applyDatabaseMigrations(knex);
    // Rows written before the plugin starts, as an upgraded MEO has them:
    // four instances per millisecond, so ties are broken by id.
    const instances = AppInstanceStore.create({ knex });
    const keyed: Array<{ id: string; time: number }> = [];
    const start = Date.UTC(2026, 11, 1);
    for (let i = 0; i < 250; i++) {
      const id = i === 7 ? target : randomUUID();
      const createdAt = new Date(start + Math.floor(i / 4));
      keyed.push({ id, time: createdAt.getTime() });
      appNames.set(id, i % 5 < 3 ? 'video' : 'audio');
      versions.set(id, i % 2 ? '2.0' : '1.0');
      await instances.insert({
        id,
        appInstanceName: `instance-${i}`,
        appPkgId: 'pkg-1',
        appDId: 'appd-1',
        appProvider: 'ACME',
        appName: appNames.get(id)!,
        appSoftVersion: versions.get(id)!,
        appDVersion: '3.1.1',
        instantiationState: 'NOT_INSTANTIATED',
        createdAt,
        updatedAt: createdAt,
      });
    }
    instanceIds = keyed
      .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1))
      .map(k => k.id);
    // 250 operations of one instance among 40 of others.
    const opOccs = AppLcmOpOccStore.create({ knex });
    for (let i = 0; i < 290; i++) {
      const time = new Date(start + Math.floor(i / 3));
      const other = instanceIds.find(id => id !== target)!;
      await opOccs.insert({
        id: randomUUID(),
        appInstanceId: i % 29 < 25 ? target : other,
        lcmOperation: 'TERMINATE',
        operationState: 'COMPLETED',
        stateEnteredTime: time,
        startTime: time,
        command: { lcmOperation: 'TERMINATE', terminationType: 'FORCEFUL' },
        isCancelPending: false,
        startNotified: true,
      });
    }

    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.database.factory({ knex }),
        mockServices.scheduler.mock().factory,
        mockServices.rootConfig.factory({
          data: {
            mec: {
              apiRoot: API_ROOT,
              api: { pageSize: PAGE_SIZE },
              outbound: { allow: [{ host: '127.0.0.1' }] },
              hosts: { encryptionKey: 'list-paging-passphrase-0123456789' },
            },
          },
        }),
      ],
    });
    server = backend.server;
  });

  it('pages app_instances in creation order, without gaps or duplicates', async () => {
    const result = await pages(
      appLcmSpec,
      '/app_instances',
      `${LCM}/app_instances`,
    );
    expect(result.map(p => p.body.length)).toEqual([100, 100, 50]);
    expect(result.flatMap(p => p.body.map((i: any) => i.id))).toEqual(
      instanceIds,
    );
  });

  it('pages a filter narrowed in SQL, and keeps it in the links', async () => {
    const filter = encodeURIComponent('(eq,appName,video)');
    const result = await pages(
      appLcmSpec,
      '/app_instances',
      `${LCM}/app_instances?filter=${filter}`,
    );
    expect(result.map(p => p.body.length)).toEqual([100, 50]);
    const ids = result.flatMap(p => p.body.map((i: any) => i.id));
    expect(ids).toEqual(instanceIds.filter(id => appNames.get(id) === 'video'));
    expect(
      new URL(result[0].link!.slice(1, -13)).searchParams.get('filter'),
    ).toBe('(eq,appName,video)');
  });

  it('fills pages of a filter applied in memory, selecting per page', async () => {
    // An ordering operator: not narrowed in SQL, so pages are filled by
    // reading further.
    const filter = encodeURIComponent('(gte,appSoftVersion,2)');
    const result = await pages(
      appLcmSpec,
      '/app_instances',
      `${LCM}/app_instances?filter=${filter}&exclude_fields=appInstanceName`,
    );
    expect(result.map(p => p.body.length)).toEqual([100, 25]);
    const items = result.flatMap(p => p.body);
    expect(items.map((i: any) => i.id)).toEqual(
      instanceIds.filter(id => versions.get(id) === '2.0'),
    );
    expect(items.every((i: any) => !('appInstanceName' in i))).toBe(true);
    expect(items.every((i: any) => i.appSoftVersion === '2.0')).toBe(true);
  });

  it("lists one instance's op occurrences by _links/appInstance/href", async () => {
    const filter = encodeURIComponent(
      `(eq,_links/appInstance/href,${LCM}/app_instances/${target})`,
    );
    const result = await pages(
      appLcmSpec,
      '/app_lcm_op_occs',
      `${LCM}/app_lcm_op_occs?filter=${filter}&fields=_links`,
    );
    expect(result.map(p => p.body.length)).toEqual([100, 100, 50]);
    const items = result.flatMap(p => p.body);
    expect(new Set(items.map((o: any) => o.id)).size).toBe(250);
    expect(
      items.every(
        (o: any) =>
          o._links.appInstance.href === `${LCM}/app_instances/${target}` &&
          !('operationParams' in o),
      ),
    ).toBe(true);
    const all = await pages(
      appLcmSpec,
      '/app_lcm_op_occs',
      `${LCM}/app_lcm_op_occs`,
    );
    expect(all.map(p => p.body.length)).toEqual([100, 100, 90]);
  });

  it('pages packages and onboarded packages, each with its own markers', async () => {
    const store = AppPackageStore.create({ knex });
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) {
      const id = `pkg-${String(i).padStart(3, '0')}`;
      ids.push(id);
      const createdAt = new Date(Date.UTC(2026, 11, 1) + i);
      await store.insertAppPackage({
        id,
        appPkgName: id,
        appPkgVersion: '1.0.0',
        checksum: { algorithm: 'SHA-256', hash: 'aa' },
        onboardingState: i % 2 ? 'ONBOARDED' : 'CREATED',
        operationalState: 'DISABLED',
        usageState: 'NOT_IN_USE',
        mecInfo: [],
        ...(i % 2
          ? {
              appDId: `appd-${i}`,
              appName: id,
              appProvider: 'ACME',
              appSoftwareVersion: '1.0.0',
              appDVersion: '3.1.1',
            }
          : {}),
        createdAt,
        updatedAt: createdAt,
      });
    }
    const all = await pages(
      appPkgmSpec,
      '/app_packages',
      `${API_ROOT}/app_pkgm/v1/app_packages?all_fields`,
    );
    expect(all.map(p => p.body.length)).toEqual([100, 5]);
    expect(all.flatMap(p => p.body.map((i: any) => i.id))).toEqual(ids);
    expect(all[1].body[0]).toHaveProperty('checksum');

    const onboarded = await pages(
      appPkgmSpec,
      '/onboarded_app_packages',
      `${API_ROOT}/app_pkgm/v1/onboarded_app_packages`,
    );
    expect(onboarded.map(p => p.body.length)).toEqual([52]);

    const marker = new URL(all[0].link!.slice(1, -13)).searchParams.get(
      'nextpage_opaque_marker',
    );
    const refused = await request(server).get(
      `${MEC}/app_pkgm/v1/onboarded_app_packages?nextpage_opaque_marker=${marker}`,
    );
    expect(refused.status).toBe(400);
    expectConformingResponse(
      appPkgmSpec,
      { method: 'get', path: '/onboarded_app_packages' },
      refused,
    );
  });

  it.each([
    ['garbled', 'not-a-marker'],
    ['not base64url', 'a%2Bb'],
    [
      'of another list',
      Buffer.from(JSON.stringify(['hosts', 'edge-a'])).toString('base64url'),
    ],
  ])('answers 400 ProblemDetails for a marker %s', async (_, marker) => {
    const res = await request(server).get(
      `${MEC}/app_lcm/v1/app_instances?nextpage_opaque_marker=${marker}`,
    );
    expect(res.status).toBe(400);
    expectConformingResponse(
      appLcmSpec,
      { method: 'get', path: '/app_instances' },
      res,
    );
    expect(res.body.detail).toMatch(/nextpage_opaque_marker/);
  });

  it('pages subscriptions and hosts alike', async () => {
    for (let i = 0; i < 105; i++) {
      const res = await request(server)
        .post(`${MEC}/app_pkgm/v1/subscriptions`)
        .send({
          callbackUri: `http://127.0.0.1:9/notify/${i}`,
          subscriptionType: 'AppPackageChangeSubscription',
        });
      expect(res.status).toBe(201);
    }
    const subscriptions = await pages(
      appPkgmSpec,
      '/subscriptions',
      `${API_ROOT}/app_pkgm/v1/subscriptions`,
    );
    expect(subscriptions.map(p => p.body._links.subscriptions.length)).toEqual([
      100, 5,
    ]);
    const hrefs = subscriptions.flatMap(p =>
      p.body._links.subscriptions.map((s: any) => s.href),
    );
    expect(new Set(hrefs).size).toBe(105);

    const hostStore = EdgeHostStore.create({ knex });
    const names = Array.from(
      { length: 101 },
      (_, i) => `edge-${String(i).padStart(3, '0')}`,
    );
    for (const name of names) {
      await hostStore.insertEdgeHost({
        name,
        serverUrl: `https://${name}.example.com:6443`,
        credentialType: 'serviceAccountToken',
        credentialEncrypted: 'unused',
        driver: 'helm',
        labels: {},
        location: {},
        namespacePolicy: { mode: 'perInstance' },
        source: 'api',
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    }
    const hosts = await pages(hostsSpec, '/hosts', `${API_ROOT}/hosts`);
    expect(hosts.map(p => p.body.items.length)).toEqual([100, 1]);
    expect(hosts.flatMap(p => p.body.items.map((h: any) => h.name))).toEqual(
      names,
    );

    // The edge drivers, held in memory, take markers alike.
    const drivers = await pages(
      hostsSpec,
      '/edge_drivers',
      `${API_ROOT}/edge_drivers`,
    );
    expect(drivers.map(p => p.body.drivers.map((d: any) => d.id))).toEqual([
      ['flux', 'helm'],
    ]);
    const afterFlux = Buffer.from(
      JSON.stringify(['edge_drivers', 'flux']),
    ).toString('base64url');
    const rest = await request(server).get(
      `${MEC}/edge_drivers?nextpage_opaque_marker=${afterFlux}`,
    );
    expectConformingResponse(
      hostsSpec,
      { method: 'get', path: '/edge_drivers' },
      rest,
    );
    expect(rest.body.drivers).toEqual([{ id: 'helm' }]);
    const hostMarker = new URL(hosts[0].link!.slice(1, -13)).searchParams.get(
      'nextpage_opaque_marker',
    );
    const refused = await request(server).get(
      `${MEC}/edge_drivers?nextpage_opaque_marker=${hostMarker}`,
    );
    expect(refused.status).toBe(400);
  });
});
