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
  NOT_EXISTING,
  pkgmSteps,
  SUITE_GET_HEADERS,
} from '../__testUtils__/pkgmSteps';

/**
 * ETSI GS MEC 032-3, MEC010p2/MEPM/PKGM/AppPkgMgt.robot: the Mm3 view of
 * application package management. In our architecture the MEO produces
 * app_pkgm on Mm3 too (a MEPM serves none), so these cases run against it.
 */
jest.setTimeout(180_000);

const databases = createTestDatabases();

/** #6 of TEST-PURPOSES section 7, for cases that need an onboarded package. */
const ONBOARDED_FIRST =
  'the suite uses a package its setup just created as if onboarded; per Annex A it is CREATED (appd and content 409) until its content is uploaded and processed, so the content is uploaded first';
/** #9 of TEST-PURPOSES section 7. */
const BY_APPD_ID =
  'the suite addresses /app_packages/{appDId}; 7.2 addresses packages by appDId under /onboarded_app_packages (an appDId under /app_packages is 404), so that tree is used';

describe.each(databases.eachSupportedId())('MEPM/PKGM on %p', databaseId => {
  const record = conformanceTier({
    tier: 'MEPM/PKGM',
    suite: 'MEC010p2/MEPM/PKGM/AppPkgMgt.robot',
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

  const get = (
    template: string,
    path: string,
    headers: Record<string, string> = SUITE_GET_HEADERS,
  ) => steps.call('GET', template, path, { headers });
  const zip = { accept: 'application/zip', 'content-type': '*/*' };

  /** The links checks of 001_02, 002_01 and 002_02. */
  const expectLinks = (info: any, appPkgId: string, appDId: string) => {
    expect(info._links.self.href).toContain(appPkgId);
    expect(info._links.appD.href).toContain(appDId);
    expect(info._links.appPkgContent.href).toContain(appDId);
  };

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_001_01_OK lists application packages',
    record(
      {
        spec: "the suite validates list items against a schema requiring checksum and softwareImages, which 7.3.1.3.2 leaves out of a list by default; the created package's item is checked",
      },
      async () => {
        const id = await steps.createPackage();
        const res = await get('/app_packages', '/app_packages');
        expect(res.status).toBe(200);
        expect(res.body.find((p: any) => p.id === id).onboardingState).toBe(
          'CREATED',
        );
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_001_02_OK lists onboarded packages, linking their AppD and content by appDId',
    record({ spec: ONBOARDED_FIRST }, async () => {
      const { appPkgId, appDId } = await steps.onboardPackage();
      const res = await get(
        '/onboarded_app_packages',
        '/onboarded_app_packages',
      );
      expect(res.status).toBe(200);
      for (const item of res.body) {
        expect(item.onboardingState).toBe('ONBOARDED');
        expectLinks(item, item.id, item.appDId);
      }
      expectLinks(
        res.body.find((p: any) => p.id === appPkgId),
        appPkgId,
        appDId,
      );
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_001_BR refuses an unknown query parameter',
    record({}, async () => {
      await steps.createPackage();
      const res = await get(
        '/app_packages',
        '/app_packages?operationalStatus=ENABLED',
        {
          accept: 'application/json',
          'content-type': 'application/json',
        },
      );
      expect(res.status).toBe(400);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_002_01_OK reads a created package by appPkgId',
    record({}, async () => {
      const id = await steps.createPackage();
      const res = await get('/app_packages/{appPkgId}', `/app_packages/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.onboardingState).toBe('CREATED');
      expectLinks(res.body, id, res.body.appDId);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_002_02_OK reads an onboarded package by appDId, linking its AppD and content by appDId',
    record({ spec: `${ONBOARDED_FIRST}; ${BY_APPD_ID}` }, async () => {
      const { appPkgId, appDId } = await steps.onboardPackage();
      const res = await get(
        '/onboarded_app_packages/{appDId}',
        `/onboarded_app_packages/${appDId}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.onboardingState).toBe('ONBOARDED');
      expectLinks(res.body, appPkgId, appDId);
      const byPkgTree = await get(
        '/app_packages/{appPkgId}',
        `/app_packages/${appDId}`,
      );
      expect(byPkgTree.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_002_NF answers 404 for an unknown package',
    record({}, async () => {
      const res = await get(
        '/app_packages/{appPkgId}',
        `/app_packages/${NOT_EXISTING.appPkgId}`,
      );
      expect(res.status).toBe(404);
    }),
  );

  /** The MEPM suite's AppPkgSubscription.json: the v2.1.1 attribute spelling. */
  const subscribe = async () => {
    const res = await steps.call('POST', '/subscriptions', '/subscriptions', {
      json: {
        callbackUri: subscriber.callbackUri,
        subsctiptionType: 'AppPackageOnBoardingSubscription',
      },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_003_OK creates a subscription given with the v2.1.1 "subsctiptionType"',
    record({}, async () => {
      const info = await subscribe();
      expect(info.subscriptionType).toBe('AppPackageOnBoardingSubscription');
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_003_BR refuses an unknown subscription type',
    record({}, async () => {
      const res = await steps.call('POST', '/subscriptions', '/subscriptions', {
        json: {
          callbackUri: subscriber.callbackUri,
          subscriptionType: 'ON-BOARDING',
        },
      });
      expect(res.status).toBe(400);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_004_OK lists the subscriptions',
    record(
      {
        spec: 'the suite\'s link-list schema requires the v2.1.1 typo "subsctiptionType" in items; V3.1.1 6.2.3.5 names it subscriptionType',
      },
      async () => {
        const info = await subscribe();
        const res = await get('/subscriptions', '/subscriptions', {
          accept: 'application/json',
          'content-type': 'application/json',
        });
        expect(res.status).toBe(200);
        expect(res.body._links.subscriptions).toContainEqual({
          href: info._links.self.href,
          subscriptionType: 'AppPackageOnBoardingSubscription',
        });
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_005_OK reads a subscription',
    record({}, async () => {
      const info = await subscribe();
      const res = await get(
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${info.id}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(info.id);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_005_NF answers 404 for an unknown subscription',
    record({}, async () => {
      const res = await get(
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${NOT_EXISTING.subscriptionId}`,
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_006_OK deletes a subscription',
    record({}, async () => {
      const info = await subscribe();
      const res = await steps.call(
        'DELETE',
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${info.id}`,
        {
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
          },
        },
      );
      expect(res.status).toBe(204);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_006_NF answers 404 when deleting an unknown subscription',
    record({}, async () => {
      const res = await steps.call(
        'DELETE',
        '/subscriptions/{subscriptionId}',
        `/subscriptions/${NOT_EXISTING.subscriptionId}`,
        {
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
          },
        },
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_007_OK notifies a subscriber with all eight AppPkgNotification attributes',
    record(
      {
        note: 'a real local HTTP subscriber on an ephemeral port instead of 127.0.0.1:8888/callback_url; the event is an onboarding',
      },
      async () => {
        const info = await subscribe();
        const { appPkgId } = await steps.onboardPackage();
        const notification = await subscriber.waitFor(
          n => n.subscriptionId === info.id && n.appPkgId === appPkgId,
        );
        expectConformingSchema(spec, 'AppPkgNotification', notification);
        expect(Object.keys(notification).sort()).toEqual(
          [
            '_links',
            'appDId',
            'appPkgId',
            'id',
            'notificationType',
            'operationalState',
            'subscriptionId',
            'timeStamp',
          ].sort(),
        );
      },
    ),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_008_NA answers 405 to POST on an AppD, allowing only what is served',
    record({}, async () => {
      const id = await steps.createPackage();
      const res = await steps.call(
        'POST',
        '/app_packages/{appPkgId}/appd',
        `/app_packages/${id}/appd`,
        // The suite's headers linger from its setup; it sends no body.
        {
          headers: { accept: 'text/plain', 'content-type': 'application/json' },
        },
      );
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_009_OK reads the AppD of an onboarded package by appDId',
    record({ spec: `${ONBOARDED_FIRST}; ${BY_APPD_ID}` }, async () => {
      const { appDId } = await steps.onboardPackage();
      const res = await get(
        '/onboarded_app_packages/{appDId}/appd',
        `/onboarded_app_packages/${appDId}/appd`,
        { accept: 'text/plain' },
      );
      expect(res.status).toBe(200);
      expect(res.raw.toString('utf8')).toContain(appDId);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_009_NF answers 404 for the AppD of an unknown package',
    record({}, async () => {
      const res = await get(
        '/app_packages/{appPkgId}/appd',
        `/app_packages/${NOT_EXISTING.appPkgId}/appd`,
        { accept: 'text/plain' },
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_010_FO answers 403 to PUT on an AppD',
    record({}, async () => {
      const { appDId } = await steps.onboardPackage();
      const res = await steps.call(
        'PUT',
        '/app_packages/{appPkgId}/appd',
        `/app_packages/${appDId}/appd`,
        {
          headers: { accept: 'text/plain', 'content-type': 'application/json' },
        },
      );
      expect(res.status).toBe(403);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_011_NA answers 405 to DELETE on an AppD',
    record({}, async () => {
      const id = await steps.createPackage();
      const res = await steps.call(
        'DELETE',
        '/app_packages/{appPkgId}/appd',
        `/app_packages/${id}/appd`,
        { headers: SUITE_GET_HEADERS },
      );
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_012_01_OK fetches the content of an onboarded package by appPkgId',
    record({ spec: ONBOARDED_FIRST }, async () => {
      const { appPkgId } = await steps.onboardPackage();
      const res = await get(
        '/app_packages/{appPkgId}/package_content',
        `/app_packages/${appPkgId}/package_content`,
        zip,
      );
      expect(res.status).toBe(200);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_012_02_OK fetches the content of an onboarded package by appDId',
    record({ spec: `${ONBOARDED_FIRST}; ${BY_APPD_ID}` }, async () => {
      const { appDId } = await steps.onboardPackage();
      const res = await get(
        '/onboarded_app_packages/{appDId}/package_content',
        `/onboarded_app_packages/${appDId}/package_content`,
        zip,
      );
      expect(res.status).toBe(200);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_012_01_NF answers 404 for the content of an unknown package',
    record({}, async () => {
      const res = await get(
        '/app_packages/{appPkgId}/package_content',
        `/app_packages/${NOT_EXISTING.appPkgId}/package_content`,
        zip,
      );
      expect(res.status).toBe(404);
    }),
  );

  it(
    'TC_MEC_MEC010p2_MEPM_PKGM_012_02_NF answers 404 for the content of an unknown appDId',
    record({}, async () => {
      const res = await get(
        '/app_packages/{appPkgId}/package_content',
        `/app_packages/NON_EXISTENT_APPD_ID/package_content`,
        zip,
      );
      expect(res.status).toBe(404);
    }),
  );
});
