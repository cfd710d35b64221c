import { spec } from '../../schema/openapi/generated/app_pkgm';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingSchema } from '../../__testUtils__/openApiConformance';
import {
  NotificationSubscriber,
  startNotificationSubscriber,
} from '../../__testUtils__/subscriber';
import {
  conformanceTier,
  startConformanceBackend,
} from '../__testUtils__/tier';
import {
  CREATED_IDS,
  NOT_EXISTING,
  pkgmSteps,
  SUITE_GET_HEADERS,
} from '../__testUtils__/pkgmSteps';

/**
 * ETSI GS MEC 032-3, MEC010p2/MEO/PKGM/AppPkgMgt.robot: application package
 * management on the MEO (Mm1), against a started backend.
 */
jest.setTimeout(180_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('MEO/PKGM on %p', databaseId => {
  const record = conformanceTier({
    tier: 'MEO/PKGM',
    suite: 'MEC010p2/MEO/PKGM/AppPkgMgt.robot',
    role: 'combined',
    database: databaseId,
  });
  let backend: Awaited<ReturnType<typeof startConformanceBackend>>;
  let steps: ReturnType<typeof pkgmSteps>;
  let subscriber: NotificationSubscriber;

  beforeAll(async () => {
    subscriber = await startNotificationSubscriber();
    backend = await startConformanceBackend({
      knex: await databases.init(databaseId),
    });
    steps = pkgmSteps(backend);
  });

  afterAll(async () => {
    await subscriber?.stop();
  });

  const get = (template: string, path: string) =>
    steps.call('GET', template, path, { headers: SUITE_GET_HEADERS });
  const del = (template: string, path: string) =>
    steps.call('DELETE', template, path, { headers: SUITE_GET_HEADERS });

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_001_OK creates an application package',
    record(
      {
        spec: "the suite's CreateAppPackage.json is no CreateAppPkg (no appPkgName, appPkgVersion); 6.2.3.2 requires them, so a valid CreateAppPkg is sent",
      },
      async () => {
        const res = await steps.call('POST', '/app_packages', '/app_packages', {
          headers: { accept: '*/*' },
          json: {
            appPkgName: 'conformance-create',
            appPkgVersion: '1.0.0',
            checksum: { algorithm: 'SHA-256', hash: 'ab'.repeat(32) },
          },
        });
        expect(res.status).toBe(201);
        expect(res.headers.location).toBe(res.body._links.self.href);
        expect(res.body.onboardingState).toBe('CREATED');
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_001_BR refuses a CreateAppPkg with a misspelled attribute',
    record({}, async () => {
      const res = await steps.call('POST', '/app_packages', '/app_packages', {
        headers: { accept: '*/*' },
        json: {
          appPkgNme: 'conformance-create',
          appPkgVersion: '1.0.0',
          checksum: { algorithm: 'SHA-256', hash: 'ab'.repeat(32) },
        },
      });
      expect(res.status).toBe(400);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_002_01_OK lists application packages',
    record(
      {
        spec: "the suite validates list items against a schema requiring checksum and softwareImages, which 7.3.1.3.2 leaves out of a list by default; the created package's item is checked",
      },
      async () => {
        const id = await steps.createPackage();
        const res = await get('/app_packages', '/app_packages');
        expect(res.status).toBe(200);
        const item = res.body.find((p: any) => p.id === id);
        expect(item.onboardingState).toBe('CREATED');
        expect(item.checksum).toBeUndefined();
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_002_02_OK lists onboarded application packages',
    record(
      {
        spec: 'the suite expects a package just created by POST to be ONBOARDED; per Annex A it is CREATED until its content is uploaded and processed, so the content is uploaded first',
      },
      async () => {
        const { appPkgId, appDId } = await steps.onboardPackage();
        const res = await get(
          '/onboarded_app_packages',
          '/onboarded_app_packages',
        );
        expect(res.status).toBe(200);
        expect(res.body.length).toBeGreaterThan(0);
        for (const item of res.body) {
          expect(item.onboardingState).toBe('ONBOARDED');
        }
        const item = res.body.find((p: any) => p.id === appPkgId);
        expect(item.appDId).toBe(appDId);
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_002_BR refuses an unknown query parameter',
    record({}, async () => {
      const res = await get(
        '/app_packages',
        '/app_packages?operationalStatus=NOT_IN_USE',
      );
      expect(res.status).toBe(400);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_003_01_OK reads an onboarded application package by appPkgId',
    record({ note: CREATED_IDS }, async () => {
      const { appPkgId } = await steps.onboardPackage();
      const res = await get(
        '/app_packages/{appPkgId}',
        `/app_packages/${appPkgId}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(appPkgId);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_003_02_OK reads an onboarded application package by appDId',
    record(
      {
        spec: 'the suite reads /onboarded_app_packages/{appPkgId}; 7.2 addresses that tree by appDId, so the package is read by its appDId',
      },
      async () => {
        const { appPkgId, appDId } = await steps.onboardPackage();
        const res = await get(
          '/onboarded_app_packages/{appDId}',
          `/onboarded_app_packages/${appDId}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.id).toBe(appPkgId);
        expect(res.body.appDId).toBe(appDId);
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_003_NF answers 404 for an unknown appPkgId',
    record({}, async () => {
      const res = await get(
        '/app_packages/{appPkgId}',
        `/app_packages/${NOT_EXISTING.appPkgId}`,
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_004_OK deletes a created application package',
    record({}, async () => {
      const id = await steps.createPackage();
      const res = await del('/app_packages/{appPkgId}', `/app_packages/${id}`);
      expect(res.status).toBe(204);
      expect(res.raw.length).toBe(0);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_004_NF answers 404 when deleting an unknown package',
    record({}, async () => {
      const res = await del(
        '/app_packages/{appPkgId}',
        `/app_packages/${NOT_EXISTING.appPkgId}`,
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_005_OK enables a disabled onboarded package',
    record(
      {
        spec: 'the suite enables a package its setup just created (CREATED, DISABLED); 7.3.2.3.5 answers 409 until onboarding completes, so an onboarded, disabled package is enabled',
      },
      async () => {
        const created = await steps.createPackage();
        const early = await steps.call(
          'PATCH',
          '/app_packages/{appPkgId}',
          `/app_packages/${created}`,
          { json: { operationalState: 'ENABLED' } },
        );
        expect(early.status).toBe(409);

        const { appPkgId } = await steps.onboardPackage();
        const disable = await steps.call(
          'PATCH',
          '/app_packages/{appPkgId}',
          `/app_packages/${appPkgId}`,
          { json: { operationalState: 'DISABLED' } },
        );
        expect(disable.status).toBe(200);
        const res = await steps.call(
          'PATCH',
          '/app_packages/{appPkgId}',
          `/app_packages/${appPkgId}`,
          { json: { operationalState: 'ENABLED' } },
        );
        expect(res.status).toBe(200);
        expect(res.body.operationalState).toBe('ENABLED');
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_005_BR refuses an invalid operational state',
    record({}, async () => {
      const id = await steps.createPackage();
      const res = await steps.call(
        'PATCH',
        '/app_packages/{appPkgId}',
        `/app_packages/${id}`,
        { json: { operationalState: 'DISABL' } },
      );
      expect(res.status).toBe(400);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_005_NF answers 404 for a modification of an unknown package, whatever the body',
    record({}, async () => {
      const res = await steps.call(
        'PATCH',
        '/app_packages/{appPkgId}',
        `/app_packages/${NOT_EXISTING.appPkgId}`,
        { json: { operationalState: 'DISABL' } },
      );
      expect(res.status).toBe(404);
    }),
  );

  /** The suite's AppPkgSubscription.json, with id and _links as it has them. */
  const suiteSubscription = () => ({
    id: 'e0deee2b-6e50-4f33-ab09-8bf0585025d3',
    subscriptionType: 'AppPackageOnBoardingSubscription',
    callbackUri: subscriber.callbackUri,
    _links: {
      self: {
        href: 'http://example.com/app_pkgm/v1/subscriptions/e0deee2b-6e50-4f33-ab09-8bf0585025d3',
      },
    },
  });

  const subscribe = async () => {
    const res = await steps.call('POST', '/subscriptions', '/subscriptions', {
      json: suiteSubscription(),
    });
    expect(res.status).toBe(201);
    return res;
  };

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_006_OK creates a subscription (the read-only id and _links sent are ignored)',
    record(
      {
        note: "callbackUri is the local subscriber's (the suite compares with a variables.txt value its fixture does not send)",
      },
      async () => {
        const res = await subscribe();
        expect(res.body.subscriptionType).toBe(
          'AppPackageOnBoardingSubscription',
        );
        expect(res.body.callbackUri).toBe(subscriber.callbackUri);
        expect(res.body.id).not.toBe(suiteSubscription().id);
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_006_BR refuses an unknown subscription type',
    record({}, async () => {
      const res = await steps.call('POST', '/subscriptions', '/subscriptions', {
        json: { ...suiteSubscription(), subscriptionType: 'ON-BOARDING' },
      });
      expect(res.status).toBe(400);
    }),
  );

  for (const tcId of [
    'TC_MEC_MEC010p2_MEO_PKGM_007_OK_01',
    'TC_MEC_MEC010p2_MEO_PKGM_007_OK_02',
  ]) {
    it(
      `${tcId} lists the subscriptions`,
      record(
        {
          spec: 'the suite\'s link-list schema requires the v2.1.1 typo "subsctiptionType" in items; V3.1.1 6.2.3.5 names it subscriptionType',
        },
        async () => {
          const created = await subscribe();
          const res = await get('/subscriptions', '/subscriptions');
          expect(res.status).toBe(200);
          expect(res.body._links.subscriptions).toContainEqual({
            href: created.body._links.self.href,
            subscriptionType: 'AppPackageOnBoardingSubscription',
          });
        },
      ),
    );
  }

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_008_OK reads a subscription',
    record({ note: CREATED_IDS }, async () => {
      const created = await subscribe();
      const res = await get(
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${created.body.id}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(created.body.id);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_008_NF answers 404 for an unknown subscription',
    record({}, async () => {
      const res = await get(
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${NOT_EXISTING.subscriptionId}`,
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_009_OK deletes a subscription',
    record({ note: CREATED_IDS }, async () => {
      const created = await subscribe();
      const res = await del(
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${created.body.id}`,
      );
      expect(res.status).toBe(204);
      expect(res.raw.length).toBe(0);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_009_NF answers 404 when deleting an unknown subscription',
    record({}, async () => {
      const res = await del(
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${NOT_EXISTING.subscriptionId}`,
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_010_OK notifies a subscriber of an onboarded package',
    record(
      {
        note: 'a real local HTTP subscriber on an ephemeral port instead of 127.0.0.1:8888/callback_url; the event is an onboarding',
      },
      async () => {
        const created = await subscribe();
        const { appPkgId, appDId } = await steps.onboardPackage();
        const notification = await subscriber.waitFor(
          n =>
            n.subscriptionId === created.body.id &&
            n.appPkgId === appPkgId &&
            n.notificationType === 'AppPackageOnBoarded',
        );
        expectConformingSchema(spec, 'AppPkgNotification', notification);
        expect(notification.appDId).toBe(appDId);
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_011_OK reads the AppD as text/plain',
    record({ note: CREATED_IDS }, async () => {
      const { appPkgId, appDId } = await steps.onboardPackage();
      const res = await steps.call(
        'GET',
        '/app_packages/{appPkgId}/appd',
        `/app_packages/${appPkgId}/appd`,
        { headers: { accept: 'text/plain; charset=utf-8' } },
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.raw.toString('utf8')).toContain(appDId);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_011_NF answers 404 for the AppD of an unknown package',
    record({}, async () => {
      const res = await steps.call(
        'GET',
        '/app_packages/{appPkgId}/appd',
        `/app_packages/${NOT_EXISTING.appdOfPackage}/appd`,
        { headers: { accept: 'text/plain; charset=utf-8' } },
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_012_01_OK fetches the package content by appPkgId',
    record({ note: CREATED_IDS }, async () => {
      const { appPkgId } = await steps.onboardPackage();
      const res = await steps.call(
        'GET',
        '/app_packages/{appPkgId}/package_content',
        `/app_packages/${appPkgId}/package_content`,
        { headers: { accept: 'application/zip' } },
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.raw.readUInt32LE(0)).toBe(0x04034b50);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_012_02_OK fetches the package content by appDId',
    record(
      {
        spec: 'the suite fetches /onboarded_app_packages/{appPkgId}/package_content; 7.2 addresses that tree by appDId, so the content is fetched by appDId',
      },
      async () => {
        const { appDId } = await steps.onboardPackage();
        const res = await steps.call(
          'GET',
          '/onboarded_app_packages/{appDId}/package_content',
          `/onboarded_app_packages/${appDId}/package_content`,
          { headers: { accept: 'application/zip' } },
        );
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('application/zip');
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_012_BR refuses a package content request that accepts only JSON',
    record(
      {
        spec: 'the suite expects 400 for Accept: application/json; 7.3.7.3.2 lists 406 for a format the producer cannot provide',
      },
      async () => {
        const { appPkgId } = await steps.onboardPackage();
        const res = await steps.call(
          'GET',
          '/app_packages/{appPkgId}/package_content',
          `/app_packages/${appPkgId}/package_content`,
          { headers: { accept: 'application/json' } },
        );
        expect(res.status).toBe(406);
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_012_01_NF answers 404 for the content of an unknown onboarded package',
    record({}, async () => {
      const res = await steps.call(
        'GET',
        '/onboarded_app_packages/{appDId}/package_content',
        `/onboarded_app_packages/${NOT_EXISTING.notExistingAppPkgId}/package_content`,
        { headers: { accept: 'application/zip' } },
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_012_02_NF answers 404 for the content of an unknown appDId',
    record({}, async () => {
      const res = await steps.call(
        'GET',
        '/onboarded_app_packages/{appDId}/package_content',
        `/onboarded_app_packages/${NOT_EXISTING.appDId}/package_content`,
        { headers: { accept: 'application/zip' } },
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_013_OK accepts the package content of a created package',
    record(
      {
        spec: 'the suite PUTs no body to a package its setup deleted; 7.3.7.3.3 takes a ZIP for a CREATED package (404 once deleted), so a ZIP is uploaded to a created package',
      },
      async () => {
        const { zip } = steps.archive();
        const id = await steps.createPackage(zip);
        const res = await steps.call(
          'PUT',
          '/app_packages/{appPkgId}/package_content',
          `/app_packages/${id}/package_content`,
          {
            headers: {
              accept: 'application/zip',
              'content-type': 'application/zip',
            },
            body: zip,
          },
        );
        expect(res.status).toBe(202);
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEO_PKGM_013_NF answers 404 for content sent to an unknown package',
    record({}, async () => {
      const res = await steps.call(
        'PUT',
        '/app_packages/{appPkgId}/package_content',
        `/app_packages/${NOT_EXISTING.notExistingAppPkgId}/package_content`,
        { headers: { accept: 'application/zip', 'content-type': '*/*' } },
      );
      expect(res.status).toBe(404);
    }),
  );
});
