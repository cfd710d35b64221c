import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mecPermissions } from '@helmmec/plugin-mec-common';
import { AddressInfo } from 'node:net';
import {
  mecPackageZip,
  validAppD,
} from './packages/content/__testUtils__/archives';
import { mecPlugin } from './plugin';
import { createTestDatabases } from './__testUtils__/databases';
import {
  generateHostileRequests,
  HostileRequest,
  problemsWith,
  RawResponse,
  seededRandom,
  send,
} from './__testUtils__/hostileRequests';
import { sha256 } from './__testUtils__/packages';

/**
 * The fuzz tier: hostile requests against the plugin's whole router stack
 * (real Backstage authentication with static tokens, our routers and
 * error handling) on every database. MEC_FUZZ_SEED replays a run;
 * MEC_FUZZ_COUNT sends more.
 */
jest.setTimeout(180_000);

const SEED = Number(process.env.MEC_FUZZ_SEED ?? 20261201);
const COUNT = Number(process.env.MEC_FUZZ_COUNT ?? 1000);
const TOKEN = 'fuzz-client-token-4f9c2a7e1b3d';
const PULL_TOKEN = 'fuzz-pull-token-8e2d1c4b6a0f';
const ENCRYPTION_KEY = 'fuzz-encryption-key-3b7a9d2e5c1f';
const SECRETS = [TOKEN, PULL_TOKEN, ENCRYPTION_KEY];
const API = '/api/mec';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'hostile input on %p',
  databaseId => {
    let port: number;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mecPlugin,
          // Backstage's own authentication, as packages/backend runs it.
          authServiceFactory,
          httpAuthServiceFactory,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              backend: {
                auth: {
                  externalAccess: [
                    {
                      type: 'static',
                      options: { token: TOKEN, subject: 'fuzz-client' },
                      accessRestrictions: [{ plugin: 'mec' }],
                    },
                    {
                      type: 'static',
                      options: { token: PULL_TOKEN, subject: 'mec-edge-pull' },
                      accessRestrictions: [{ plugin: 'mec' }],
                    },
                  ],
                },
              },
              mec: {
                apiRoot: 'http://meo.example.com/api/mec',
                clients: [
                  {
                    subject: 'fuzz-client',
                    allow: mecPermissions.map(p => p.name),
                  },
                  { subject: 'mec-edge-pull', allow: ['mec.package.pull'] },
                ],
                helmRepository: { pullToken: PULL_TOKEN },
                hosts: { encryptionKey: ENCRYPTION_KEY },
                outbound: { allow: [{ host: '127.0.0.1' }] },
              },
            },
          }),
        ],
      });
      port = (backend.server.address() as AddressInfo).port;
    });

    const call = (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<RawResponse & { json: any }> => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${TOKEN}`,
      };
      let payload: Buffer | undefined;
      if (Buffer.isBuffer(body)) {
        headers['content-type'] = 'application/zip';
        payload = body;
      } else if (body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = Buffer.from(JSON.stringify(body));
      }
      return send(port, {
        method,
        path: `${API}${path}`,
        headers,
        body: payload,
      }).then(res => ({
        ...res,
        json: res.text ? JSON.parse(res.text) : undefined,
      }));
    };

    /** Creates a package and uploads `archive`; onboarding starts at once. */
    const upload = async (name: string, archive: Buffer): Promise<string> => {
      const created = await call('POST', '/app_pkgm/v1/app_packages', {
        appPkgName: name,
        appPkgVersion: '0.1.0',
        checksum: { algorithm: 'SHA-256', hash: sha256(archive) },
      });
      expect(created.status).toBe(201);
      const put = await call(
        'PUT',
        `/app_pkgm/v1/app_packages/${created.json.id}/package_content`,
        archive,
      );
      expect(put.status).toBe(202);
      return created.json.id;
    };

    const onboardingState = async (id: string) =>
      (await call('GET', `/app_pkgm/v1/app_packages/${id}`)).json
        .onboardingState as string;

    /** Uploads a valid package and waits until it is onboarded. */
    const onboard = async (): Promise<string> => {
      const id = await upload('good', mecPackageZip());
      for (let i = 0; (await onboardingState(id)) !== 'ONBOARDED'; i++) {
        if (i > 200)
          throw new Error(
            `not onboarded: ${
              (await call('GET', `/app_pkgm/v1/app_packages/${id}?all_fields`))
                .text
            }`,
          );
        await new Promise(r => setTimeout(r, 50));
      }
      return id;
    };

    it(`answers ${COUNT} generated hostile requests with no 5xx, ProblemDetails on every 4xx and nothing revealed`, async () => {
      const ids = [await onboard()];
      const instance = await call('POST', '/app_lcm/v1/app_instances', {
        appDId: validAppD.appDId,
        appInstanceName: 'fuzz',
      });
      if (instance.status === 201) ids.push(instance.json.id);
      ids.push(validAppD.appDId);

      // eslint-disable-next-line no-console
      console.log(
        `fuzz seed ${SEED} (MEC_FUZZ_SEED to replay), ${COUNT} requests`,
      );
      const random = seededRandom(SEED);
      const requests = generateHostileRequests(random, COUNT, API, {
        ids,
        token: TOKEN,
      });
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      // A few at a time, as concurrent clients would.
      const queue = [...requests.entries()];
      const worker = async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [index, req] = next;
          const res = await send(port, req);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const problems = problemsWith(req, res, SECRETS);
          if (problems.length > 0) {
            failures.push(describe_(index, req, res, problems));
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      // eslint-disable-next-line no-console
      console.log(
        `statuses: ${[...statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
      );
      expect(failures.slice(0, 20)).toEqual([]);
    });
  },
);

function describe_(
  index: number,
  req: HostileRequest,
  res: RawResponse,
  problems: string[],
): string {
  return `#${index} ${req.method} ${req.path.slice(0, 200)} [${
    req.headers['content-type'] ?? ''
  }] ${req.body ? req.body.toString('utf8', 0, 120) : ''}: ${problems.join(
    ', ',
  )}: ${res.text.slice(0, 300)}`;
}
