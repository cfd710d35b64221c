import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { mecPlugin } from '../../plugin';
import { spec } from '../../schema/openapi/generated/app_pkgm';
import {
  buildExamplePackage,
  packExampleChart,
  sha256,
  startFileServer,
} from '../../__testUtils__/packages';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import { parse } from 'yaml';
import { DEFAULT_PACKAGE_CONTENT_LIMITS } from '../../packages/content';
import { parseToscaMeta } from '../../packages/content/packageMetadata';
import { readZipArchive } from '../../packages/content/readZipArchive';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const BASE = '/api/mec/app_pkgm/v1';

describe.each(databases.eachSupportedId())('app_pkgm/v1 on %p', databaseId => {
  let server: Parameters<typeof request>[0];
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let videoZip: Buffer;
  let locationChart: Buffer;

  beforeAll(async () => {
    videoZip = await buildExamplePackage('video-analytics');
    locationChart = await packExampleChart('location-service');
    files = await startFileServer({
      '/video-analytics.zip': { body: videoZip, type: 'application/zip' },
      '/location-service-0.1.0.tgz': {
        body: locationChart,
        type: 'application/gzip',
      },
    });
    const knex = await databases.init(databaseId);
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            mec: {
              apiRoot: 'http://meo.example.com/api/mec',
              outbound: { allow: [{ host: '127.0.0.1' }] },
            },
          },
        }),
      ],
    });
    server = backend.server;
  });

  afterAll(async () => {
    await files?.stop();
  });

  /** Sends a request and checks the response against the OpenAPI document. */
  async function call(
    method: 'get' | 'post' | 'patch' | 'delete' | 'put',
    path: string,
    template: string,
    send?: (r: request.Test) => request.Test,
  ) {
    let r = request(server)[method](`${BASE}${path}`);
    if (send) r = send(r);
    const res = await r;
    expectConformingResponse(spec, { method, path: template }, res);
    return res;
  }

  async function waitForOnboarding(id: string) {
    for (let i = 0; i < 200; i++) {
      const res = await request(server).get(`${BASE}/app_packages/${id}`);
      if (!['UPLOADING', 'PROCESSING'].includes(res.body.onboardingState)) {
        return res.body;
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`package ${id} is still onboarding`);
  }

  const create = (body: object) =>
    call('post', '/app_packages', '/app_packages', r => r.send(body));

  let videoId: string;

  it('creates a package, takes an uploaded MEC package and onboards it', async () => {
    const created = await create({
      appPkgName: 'video-analytics',
      appPkgVersion: '0.1.0',
      checksum: { algorithm: 'SHA-256', hash: sha256(videoZip) },
      userDefinedData: { team: 'edge' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      onboardingState: 'CREATED',
      operationalState: 'DISABLED',
      usageState: 'NOT_IN_USE',
      userDefinedData: { team: 'edge' },
    });
    videoId = created.body.id;
    expect(created.headers.location).toBe(
      `http://meo.example.com/api/mec/app_pkgm/v1/app_packages/${videoId}`,
    );

    const upload = await call(
      'put',
      `/app_packages/${videoId}/package_content`,
      '/app_packages/{appPkgId}/package_content',
      r => r.set('Content-Type', 'application/zip').send(videoZip),
    );
    expect(upload.status).toBe(202);

    const onboarded = await waitForOnboarding(videoId);
    expect(onboarded.onboardingFailureDetails).toBeUndefined();
    expect(onboarded).toMatchObject({
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
      usageState: 'NOT_IN_USE',
      appName: 'video-analytics',
    });
    expect(onboarded.appDId).toBeTruthy();
    expect(onboarded.mecInfo.length).toBeGreaterThan(0);

    const again = await call(
      'put',
      `/app_packages/${videoId}/package_content`,
      '/app_packages/{appPkgId}/package_content',
      r => r.set('Content-Type', 'application/zip').send(videoZip),
    );
    expect(again.status).toBe(409);
  });

  it('serves the AppD by Accept, and the content with ranges', async () => {
    const text = await call(
      'get',
      `/app_packages/${videoId}/appd`,
      '/app_packages/{appPkgId}/appd',
      r => r.set('Accept', 'text/plain'),
    );
    expect(text.status).toBe(200);
    expect(text.text).toContain('appDId');

    const zip = await call(
      'get',
      `/app_packages/${videoId}/appd`,
      '/app_packages/{appPkgId}/appd',
      r => r.set('Accept', 'application/zip').buffer(true),
    );
    expect(zip.status).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');

    const refused = await call(
      'get',
      `/app_packages/${videoId}/appd`,
      '/app_packages/{appPkgId}/appd',
      r => r.set('Accept', 'application/json'),
    );
    expect(refused.status).toBe(406);

    const whole = await call(
      'get',
      `/app_packages/${videoId}/package_content`,
      '/app_packages/{appPkgId}/package_content',
      r => r.buffer(true).parse(binaryParser),
    );
    expect(whole.status).toBe(200);
    expect(Buffer.compare(whole.body, videoZip)).toBe(0);

    const part = await call(
      'get',
      `/app_packages/${videoId}/package_content`,
      '/app_packages/{appPkgId}/package_content',
      r => r.set('Range', 'bytes=10-19').buffer(true).parse(binaryParser),
    );
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(
      `bytes 10-19/${videoZip.length}`,
    );
    expect(Buffer.compare(part.body, videoZip.subarray(10, 20))).toBe(0);

    const beyond = await call(
      'get',
      `/app_packages/${videoId}/package_content`,
      '/app_packages/{appPkgId}/package_content',
      r => r.set('Range', `bytes=${videoZip.length + 5}-`),
    );
    expect(beyond.status).toBe(416);
  });

  it('applies filter and selectors to the AppD, and zips it with TOSCA metadata', async () => {
    const appd = (query: string, accept = 'text/plain') =>
      call(
        'get',
        `/app_packages/${videoId}/appd${query}`,
        '/app_packages/{appPkgId}/appd',
        r => r.set('Accept', accept).buffer(true).parse(binaryParser),
      );
    const asFile = (res: request.Response) => parse(res.body.toString('utf8'));

    const whole = asFile(await appd(''));
    expect(whole.swImageDescriptor).toBeDefined();
    const lean = asFile(await appd('?exclude_default'));
    expect(lean.appDId).toBe(whole.appDId);
    expect(lean.swImageDescriptor).toBeUndefined();
    expect(lean.virtualComputeDescriptor).toBeUndefined();
    const some = asFile(await appd('?fields=swImageDescriptor'));
    expect(some.swImageDescriptor).toEqual(whole.swImageDescriptor);
    expect(some.virtualComputeDescriptor).toBeUndefined();
    expect(asFile(await appd('?all_fields'))).toEqual(whole);

    const matching = await appd(
      `?filter=${encodeURIComponent(`(eq,appDId,${whole.appDId})`)}`,
    );
    expect(matching.status).toBe(200);
    const other = await appd(`?filter=${encodeURIComponent('(eq,appDId,x)')}`);
    expect(other.status).toBe(404);
    const invalid = await appd('?fields=noSuchAttribute');
    expect(invalid.status).toBe(400);

    // text/plain with the charset we serve is acceptable; another is not.
    const utf8 = await appd('', 'text/plain; charset=utf-8');
    expect(utf8.status).toBe(200);
    const latin1 = await appd('', 'text/plain; charset=iso-8859-1');
    expect(latin1.status).toBe(406);

    const zip = await appd('?exclude_default', 'application/zip');
    const entries = await readZipArchive(
      zip.body,
      DEFAULT_PACKAGE_CONTENT_LIMITS,
      'the AppD ZIP',
    );
    const meta = parseToscaMeta(
      entries.get('TOSCA-Metadata/TOSCA.meta')!.toString('utf8'),
    );
    const entry = meta.get('Entry-Definitions')![0];
    expect(meta.get('TOSCA-Meta-File-Version')).toEqual(['1.0']);
    expect(parse(entries.get(entry)!.toString('utf8'))).toEqual(lean);
  });

  it('serves the package content as application/zip only', async () => {
    const refused = await call(
      'get',
      `/app_packages/${videoId}/package_content`,
      '/app_packages/{appPkgId}/package_content',
      r => r.set('Accept', 'application/json'),
    );
    expect(refused.status).toBe(406);
    const anything = await call(
      'get',
      `/app_packages/${videoId}/package_content`,
      '/app_packages/{appPkgId}/package_content',
      r => r.set('Accept', '*/*').buffer(true).parse(binaryParser),
    );
    expect(anything.status).toBe(200);
  });

  it('serves onboarded packages by appDId too', async () => {
    const pkg = (await request(server).get(`${BASE}/app_packages/${videoId}`))
      .body;
    const list = await call(
      'get',
      '/onboarded_app_packages',
      '/onboarded_app_packages',
    );
    expect(list.body.map((p: any) => p.id)).toContain(videoId);
    const one = await call(
      'get',
      `/onboarded_app_packages/${encodeURIComponent(pkg.appDId)}`,
      '/onboarded_app_packages/{appDId}',
    );
    expect(one.body.id).toBe(videoId);
    // Read by appDId, the AppD and content links stay in the appDId tree.
    const tree = `http://meo.example.com/api/mec/app_pkgm/v1/onboarded_app_packages/${encodeURIComponent(
      pkg.appDId,
    )}`;
    expect(one.body._links).toEqual({
      self: { href: pkg._links.self.href },
      appD: { href: `${tree}/appd` },
      appPkgContent: { href: `${tree}/package_content` },
    });
    expect(list.body.find((p: any) => p.id === videoId)._links.appD.href).toBe(
      `${tree}/appd`,
    );
    const appd = await call(
      'get',
      `/onboarded_app_packages/${encodeURIComponent(pkg.appDId)}/appd`,
      '/onboarded_app_packages/{appDId}/appd',
      r => r.set('Accept', 'text/plain'),
    );
    expect(appd.status).toBe(200);
  });

  it('onboards a Helm chart archive from appPkgPath', async () => {
    const created = await create({
      appPkgName: 'location-service',
      appPkgVersion: '0.1.0',
      checksum: { algorithm: 'SHA-256', hash: sha256(locationChart) },
      appPkgPath: `${files.url}/location-service-0.1.0.tgz`,
    });
    expect(created.status).toBe(201);
    const onboarded = await waitForOnboarding(created.body.id);
    expect(onboarded.onboardingState).toBe('ONBOARDED');
    expect(onboarded.onboardingFailureDetails).toBeUndefined();

    const content = await request(server)
      .get(`${BASE}/app_packages/${created.body.id}/package_content`)
      .buffer(true)
      .parse(binaryParser);
    // Every onboarded package is served as a MEC package ZIP.
    expect(content.body.readUInt32LE(0)).toBe(0x04034b50);
  });

  it('records a checksum mismatch and leaves the package CREATED', async () => {
    const created = await create({
      appPkgName: 'video-analytics',
      appPkgVersion: '0.1.0-bad',
      checksum: { algorithm: 'SHA-256', hash: '00'.repeat(32) },
      appPkgPath: `${files.url}/video-analytics.zip`,
    });
    const failed = await waitForOnboarding(created.body.id);
    expect(failed.onboardingState).toBe('CREATED');
    expect(failed.operationalState).toBe('DISABLED');
    expect(failed.onboardingFailureDetails.detail).toMatch(/checksum/i);
  });

  it('refuses a second onboarded package with the same appDId', async () => {
    const created = await create({
      appPkgName: 'video-analytics-copy',
      appPkgVersion: '0.1.0',
      checksum: { algorithm: 'SHA-256', hash: sha256(videoZip) },
      appPkgPath: `${files.url}/video-analytics.zip`,
    });
    const failed = await waitForOnboarding(created.body.id);
    expect(failed.onboardingState).toBe('CREATED');
    expect(failed.onboardingFailureDetails.detail).toMatch(
      /already has appDId/,
    );
  });

  it('refuses appPkgPath outside the outbound allow rules, and bad bodies', async () => {
    const refused = await create({
      appPkgName: 'x',
      appPkgVersion: '1',
      checksum: { algorithm: 'SHA-256', hash: 'ab' },
      appPkgPath: 'http://10.1.2.3/pkg.zip',
    });
    expect(refused.status).toBe(400);

    const misspelled = await create({
      appPkgName: 'x',
      appPkgVersion: '1',
      checksum: { algorithm: 'SHA-256', hash: 'ab' },
      appPkgPth: 'http://127.0.0.1/x',
    });
    expect(misspelled.status).toBe(400);

    const badAlgorithm = await create({
      appPkgName: 'x',
      appPkgVersion: '1',
      checksum: { algorithm: 'MD5', hash: 'ab' },
    });
    expect(badAlgorithm.status).toBe(400);
    expect(badAlgorithm.body.detail).toMatch(/MD5/);

    const malformed = await request(server)
      .post(`${BASE}/app_packages`)
      .set('Content-Type', 'application/json')
      .send('{"appPkgName": ');
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/problem\+json/);
  });

  it('refuses uploads that are not application/zip or too large', async () => {
    const created = await create({
      appPkgName: 'upload-checks',
      appPkgVersion: '1',
      checksum: { algorithm: 'SHA-256', hash: 'ab' },
    });
    const wrongType = await request(server)
      .put(`${BASE}/app_packages/${created.body.id}/package_content`)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(wrongType.status).toBe(415);
    const notZip = await request(server)
      .put(`${BASE}/app_packages/${created.body.id}/package_content`)
      .set('Content-Type', 'application/zip')
      .send(Buffer.from('this is not a zip at all'));
    expect(notZip.status).toBe(202);
    const failed = await waitForOnboarding(created.body.id);
    expect(failed.onboardingState).toBe('CREATED');
    expect(failed.onboardingFailureDetails).toBeDefined();
  });

  it('enables, disables and deletes as Annex A says', async () => {
    const path = `/app_packages/${videoId}`;
    const template = '/app_packages/{appPkgId}';
    const enableAgain = await call('patch', path, template, r =>
      r.send({ operationalState: 'ENABLED' }),
    );
    expect(enableAgain.status).toBe(409);

    const deleteEnabled = await call('delete', path, template);
    expect(deleteEnabled.status).toBe(403);

    // v2.1.1 spelling of the attribute
    const disable = await call('patch', path, template, r =>
      r.send({ operationState: 'DISABLED' }),
    );
    expect(disable.status).toBe(200);
    expect(disable.body).toEqual({ operationalState: 'DISABLED' });

    const wrongValue = await call('patch', path, template, r =>
      r.send({ operationalState: 'PAUSED' }),
    );
    expect(wrongValue.status).toBe(400);

    const deleted = await call('delete', path, template);
    expect(deleted.status).toBe(204);
    const gone = await call('get', path, template);
    expect(gone.status).toBe(404);
  });

  it('answers the spec’s 405 and 403 on the appd resource', async () => {
    const post = await request(server).post(`${BASE}/app_packages/x/appd`);
    expect(post.status).toBe(405);
    const put = await request(server).put(`${BASE}/app_packages/x/appd`);
    expect(put.status).toBe(403);
    const del = await request(server).delete(`${BASE}/app_packages/x/appd`);
    expect(del.status).toBe(405);
    // Allow names only what can succeed: POST and DELETE are refused, and
    // so is PUT (403).
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(del.headers.allow).toBe('GET, HEAD');
  });
});

function binaryParser(
  res: request.Response,
  callback: (err: Error | null, body: Buffer) => void,
) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}
