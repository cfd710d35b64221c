import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  MepmProcess,
  startMepmProcess,
} from './__testUtils__/mepmProcess';

const TOKEN = 'mepm-test-token';

describe('the MEPM backend (mec.role: mepm)', () => {
  let mepm: MepmProcess;
  let dataDir: string;

  const call = (method: string, path: string, token?: string) =>
    fetch(`${mepm.url}/api/mec${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });

  /** What a ProblemDetails answer of `status` looks like. */
  const problem = (status: number) => ({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    body: expect.objectContaining({ status, detail: expect.any(String) }),
  });
  const answer = async (response: Response) => ({
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.json(),
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'helmmec-mepm-test-'));
    // Its MEO is not running: nothing here needs a grant or a package.
    const meoPort = await freePort();
    mepm = await startMepmProcess({
      port: await freePort(),
      dataDir,
      token: TOKEN,
      config: {
        mec: {
          mepm: {
            meo: {
              apiRoot: `http://127.0.0.1:${meoPort}/api/mec`,
              auth: { token: TOKEN },
            },
          },
        },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await mepm?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves Mm3 app_lcm and the hosts API to a client with the token', async () => {
    const lists: Array<[string, unknown]> = [
      ['/app_lcm/v1/app_instances', []],
      ['/app_lcm/v1/app_lcm_op_occs', []],
      // ETSI's SubscriptionLinkList
      [
        '/app_lcm/v1/subscriptions',
        {
          _links: {
            self: { href: `${mepm.url}/api/mec/app_lcm/v1/subscriptions` },
            subscriptions: [],
          },
        },
      ],
    ];
    for (const [path, empty] of lists) {
      const response = await call('GET', path, TOKEN);
      expect({
        path,
        status: response.status,
        body: await response.json(),
      }).toEqual({
        path,
        status: 200,
        body: empty,
      });
    }
    const hosts = await call('GET', '/hosts', TOKEN);
    expect(hosts.status).toBe(200);
    expect(await hosts.json()).toMatchObject({ items: [] });
  });

  it('serves no package management and no granting: those are its MEO’s', async () => {
    for (const [method, path] of [
      ['GET', '/app_pkgm/v1/app_packages'],
      ['POST', '/app_pkgm/v1/app_packages'],
      ['GET', '/app_pkgm/v1/onboarded_app_packages/some-appd'],
      ['POST', '/granting/v1/grants'],
      ['GET', '/granting/v1/grants/some-grant'],
      ['GET', '/helm-repository/index.yaml'],
    ]) {
      const response = await call(method, path, TOKEN);
      expect({ method, path, ...(await answer(response)) }).toEqual({
        method,
        path,
        ...problem(404),
      });
    }
  });

  it('refuses requests without a valid token', async () => {
    for (const path of ['/app_lcm/v1/app_instances', '/hosts']) {
      for (const token of [undefined, 'not-the-token']) {
        expect(await answer(await call('GET', path, token))).toEqual(
          problem(401),
        );
      }
    }
  });
});
