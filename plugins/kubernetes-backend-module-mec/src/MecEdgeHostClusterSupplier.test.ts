import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  MecEdgeHostClusterSupplier,
  MecEdgeHostClusterSupplierOptions,
} from './MecEdgeHostClusterSupplier';

describe('MecEdgeHostClusterSupplier', () => {
  let server: http.Server;
  let base: string;
  const requests: Array<{ url?: string; authorization?: string }> = [];
  let status = 200;
  /** Serves one host per page, linking the next as the mec backend does. */
  let paged = false;
  let withMepmHost = false;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      let items: Array<Record<string, string>> = [
        { name: 'edge-1', title: 'Edge one' },
        { name: 'edge-2' },
      ];
      if (withMepmHost) {
        items.push({ name: 'edge-far', source: 'mepm', mepm: 'mepm-a' });
      }
      if (paged) {
        const second = req.url!.endsWith('?nextpage_opaque_marker=m1');
        items = items.slice(second ? 1 : 0, second ? 2 : 1);
        if (!second) {
          res.setHeader(
            'link',
            '<https://meo.example.com/api/mec/hosts?nextpage_opaque_marker=m1>; rel="next"',
          );
        }
      }
      res.end(
        JSON.stringify(
          status === 200 ? { items } : { title: 'Service Unavailable', status },
        ),
      );
    });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mec`;
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  beforeEach(() => {
    requests.length = 0;
    status = 200;
    paged = false;
    withMepmHost = false;
  });

  const options = { credentials: mockCredentials.user() };

  function supplier(
    cacheTtlMs?: number,
    otherClusters?: MecEdgeHostClusterSupplierOptions['otherClusters'],
  ) {
    return new MecEdgeHostClusterSupplier({
      discovery: {
        getBaseUrl: async () => base,
        getExternalBaseUrl: async () => base,
      },
      auth: mockServices.auth(),
      cacheTtlMs,
      otherClusters,
    });
  }

  it('lists every edge host as a cluster behind the mec proxy', async () => {
    const clusters = await supplier().getClusters(options);

    expect(requests).toEqual([
      {
        url: '/api/mec/hosts',
        authorization: expect.stringMatching(/^Bearer .+/),
      },
    ]);
    expect(clusters).toEqual([
      {
        name: 'edge-1',
        title: 'Edge one',
        url: `${base}/kubernetes-proxy/edge-1`,
        authMetadata: {
          'kubernetes.io/auth-provider': 'serviceAccount',
          serviceAccountToken: expect.any(String),
        },
        skipMetricsLookup: true,
      },
      expect.objectContaining({
        name: 'edge-2',
        title: 'edge-2',
        url: `${base}/kubernetes-proxy/edge-2`,
      }),
    ]);
    // The token is one for the mec plugin, not a host credential.
    expect(clusters[0].authMetadata.serviceAccountToken).toContain('mec');
  });

  it('leaves out the hosts a MEPM reports: the MEO has no connection to them', async () => {
    withMepmHost = true;
    const clusters = await supplier().getClusters(options);
    expect(clusters.map(c => c.name)).toEqual(['edge-1', 'edge-2']);
  });

  it("gives the proxy a token on behalf of the Kubernetes plugin's caller", async () => {
    const cached = supplier(60_000);
    const [forUser] = await cached.getClusters({
      credentials: mockCredentials.user('user:default/ada'),
    });
    expect(forUser.authMetadata.serviceAccountToken).toContain(
      'user:default/ada',
    );
    // the host list is cached, the token is not
    const [forOther] = await cached.getClusters({
      credentials: mockCredentials.user('user:default/bob'),
    });
    expect(requests).toHaveLength(1);
    expect(forOther.authMetadata.serviceAccountToken).toContain(
      'user:default/bob',
    );
    // the host list itself is read with the plugin's own credentials
    // (the mock auth service's plugin is 'test')
    expect(requests[0].authorization).toContain('"sub":"plugin:test"');
  });

  it('reads every page of the host list', async () => {
    paged = true;
    const clusters = await supplier().getClusters(options);
    expect(requests.map(r => r.url)).toEqual([
      '/api/mec/hosts',
      '/api/mec/hosts?nextpage_opaque_marker=m1',
    ]);
    expect(clusters.map(c => c.name)).toEqual(['edge-1', 'edge-2']);
  });

  it('reuses a read within its cache time', async () => {
    const cached = supplier(60_000);
    await cached.getClusters(options);
    await cached.getClusters(options);
    expect(requests).toHaveLength(1);

    const uncached = supplier(0);
    await uncached.getClusters(options);
    await uncached.getClusters(options);
    expect(requests).toHaveLength(3);
  });

  it('reports a mec backend that refuses', async () => {
    status = 503;
    await expect(supplier().getClusters(options)).rejects.toThrow(/503/);
  });

  it('keeps the configured clusters after the edge hosts, an edge host winning a name', async () => {
    const configured = [
      { name: 'prod-eu', url: 'https://127.0.0.1:6443', authMetadata: {} },
      { name: 'edge-1', url: 'https://127.0.0.1:7443', authMetadata: {} },
    ];
    const getClusters = jest.fn(async () => configured);
    const clusters = await supplier(undefined, { getClusters }).getClusters(
      options,
    );
    expect(clusters.map(c => [c.name, c.url])).toEqual([
      ['edge-1', `${base}/kubernetes-proxy/edge-1`],
      ['edge-2', `${base}/kubernetes-proxy/edge-2`],
      ['prod-eu', 'https://127.0.0.1:6443'],
    ]);
    expect(getClusters).toHaveBeenCalledWith(options);
  });
});
