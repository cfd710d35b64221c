import { mockServices } from '@backstage/backend-test-utils';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { MecApiClient } from './MecApiClient';

/**
 * A mec API on 127.0.0.1 that pages every list by two items, linking the
 * next page as the mec backend does (ETSI GS MEC 009 paging).
 */
async function startPagedMecApi() {
  const lists: Record<string, unknown[]> = {
    '/api/mec/app_pkgm/v1/app_packages': ['p1', 'p2', 'p3'].map(id => ({
      id,
    })),
    '/api/mec/app_lcm/v1/app_instances': ['i1', 'i2', 'i3', 'i4', 'i5'].map(
      id => ({ id }),
    ),
    '/api/mec/hosts': ['h1', 'h2', 'h3'].map(name => ({ name })),
  };
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url!);
    const url = new URL(req.url!, 'http://127.0.0.1');
    const all = lists[url.pathname];
    if (!all) {
      res.writeHead(404).end();
      return;
    }
    const from = Number(url.searchParams.get('nextpage_opaque_marker') ?? 0);
    const page = all.slice(from, from + 2);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (from + 2 < all.length) {
      url.searchParams.set('nextpage_opaque_marker', String(from + 2));
      const { port } = server.address() as AddressInfo;
      headers.link = `<http://127.0.0.1:${port}${url.pathname}${url.search}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(
      JSON.stringify(url.pathname.endsWith('/hosts') ? { items: page } : page),
    );
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, requests, baseUrl: `http://127.0.0.1:${port}/api/mec` };
}

describe('MecApiClient', () => {
  let api: Awaited<ReturnType<typeof startPagedMecApi>>;

  beforeAll(async () => {
    api = await startPagedMecApi();
  });
  afterAll(() => new Promise(resolve => api.server.close(resolve)));

  it('reads every page of packages, instances and hosts', async () => {
    const client = new MecApiClient(
      mockServices.discovery.mock({
        getBaseUrl: async () => api.baseUrl,
      }),
      mockServices.auth(),
    );
    const snapshot = await client.readSnapshot();
    expect(snapshot.packages.map((p: any) => p.id)).toEqual(['p1', 'p2', 'p3']);
    expect(snapshot.instances.map((i: any) => i.id)).toEqual([
      'i1',
      'i2',
      'i3',
      'i4',
      'i5',
    ]);
    expect(snapshot.hosts.map(h => h.name)).toEqual(['h1', 'h2', 'h3']);
    // Each next page keeps the first page's query.
    expect(api.requests).toContain(
      '/api/mec/app_pkgm/v1/app_packages?all_fields=&nextpage_opaque_marker=2',
    );
  });
});
