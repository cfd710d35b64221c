import { MecClient } from './MecClient';

describe('MecClient', () => {
  it('lists the edge drivers from /edge_drivers', async () => {
    const fetch = jest.fn(
      async (_url: string, _init?: RequestInit) =>
        new Response(JSON.stringify({ drivers: [{ id: 'example' }] }), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = new MecClient({
      discoveryApi: { getBaseUrl: async () => 'http://backstage/api/mec' },
      fetchApi: { fetch } as any,
    });
    await expect(client.listEdgeDrivers()).resolves.toEqual([
      { id: 'example' },
    ]);
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backstage/api/mec/edge_drivers',
    );
  });

  it('loads every page of a list, following Link rel="next"', async () => {
    // The backend links pages under its public apiRoot; the client stays
    // on the base URL it uses and takes the link's query.
    const pages: Record<string, { body: unknown; link?: string }> = {
      'http://backstage/api/mec/app_lcm/v1/app_lcm_op_occs?all_fields': {
        body: [{ id: 'o1' }, { id: 'o2' }],
        link: '<https://meo.example.com/api/mec/app_lcm/v1/app_lcm_op_occs?all_fields=&nextpage_opaque_marker=m1>; rel="next"',
      },
      'http://backstage/api/mec/app_lcm/v1/app_lcm_op_occs?all_fields=&nextpage_opaque_marker=m1':
        { body: [{ id: 'o3' }] },
      'http://backstage/api/mec/hosts': {
        body: { items: [{ name: 'a' }] },
        link: '<https://meo.example.com/api/mec/hosts?nextpage_opaque_marker=m2>; rel="next"',
      },
      'http://backstage/api/mec/hosts?nextpage_opaque_marker=m2': {
        body: { items: [{ name: 'b' }] },
      },
    };
    const fetch = jest.fn(async (url: string) => {
      const page = pages[url];
      if (!page) return new Response('{}', { status: 404 });
      return new Response(JSON.stringify(page.body), {
        headers: {
          'Content-Type': 'application/json',
          ...(page.link ? { Link: page.link } : {}),
        },
      });
    });
    const client = new MecClient({
      discoveryApi: { getBaseUrl: async () => 'http://backstage/api/mec' },
      fetchApi: { fetch } as any,
    });
    expect((await client.listOpOccs()).map(o => o.id)).toEqual([
      'o1',
      'o2',
      'o3',
    ]);
    expect((await client.listEdgeHosts()).map(h => h.name)).toEqual(['a', 'b']);
  });

  it('reads one page with a filter, and the next page marker from Link', async () => {
    const fetch = jest.fn(
      async (_url: string) =>
        new Response(JSON.stringify([{ id: 'i1' }]), {
          headers: {
            'Content-Type': 'application/json',
            Link: '<https://meo.example.com/api/mec/app_lcm/v1/app_instances?filter=x&nextpage_opaque_marker=WyJhIl0>; rel="next"',
          },
        }),
    );
    const client = new MecClient({
      discoveryApi: { getBaseUrl: async () => 'http://backstage/api/mec' },
      fetchApi: { fetch } as any,
    });
    await expect(
      client.listAppInstancesPage({
        filter: "(cont,appInstanceName,'a,b')",
        marker: 'WyJ6Il0',
      }),
    ).resolves.toEqual({ items: [{ id: 'i1' }], nextMarker: 'WyJhIl0' });
    const url = new URL(fetch.mock.calls[0][0]);
    expect(url.pathname).toBe('/api/mec/app_lcm/v1/app_instances');
    expect(url.searchParams.get('filter')).toBe("(cont,appInstanceName,'a,b')");
    expect(url.searchParams.get('nextpage_opaque_marker')).toBe('WyJ6Il0');
  });

  it('tells the last page by its missing Link', async () => {
    const fetch = jest.fn(
      async () =>
        new Response('[]', { headers: { 'Content-Type': 'application/json' } }),
    );
    const client = new MecClient({
      discoveryApi: { getBaseUrl: async () => 'http://backstage/api/mec' },
      fetchApi: { fetch } as any,
    });
    await expect(client.listAppPackagesPage()).resolves.toEqual({
      items: [],
      nextMarker: undefined,
    });
    expect(fetch.mock.calls[0]).toEqual([
      'http://backstage/api/mec/app_pkgm/v1/app_packages',
      expect.anything(),
    ]);
  });

  it('reads the local edge cluster, and none where the backend has none (404)', async () => {
    const progress = { name: 'edge-1', phase: 'building' };
    let status = 200;
    const fetch = jest.fn(async (_url: string) =>
      status === 200
        ? new Response(JSON.stringify(progress), {
            headers: { 'Content-Type': 'application/json' },
          })
        : new Response(JSON.stringify({ status, detail: 'none' }), {
            status,
            headers: { 'Content-Type': 'application/problem+json' },
          }),
    );
    const client = new MecClient({
      discoveryApi: { getBaseUrl: async () => 'http://backstage/api/mec' },
      fetchApi: { fetch } as any,
    });
    await expect(client.getLocalEdgeCluster()).resolves.toEqual(progress);
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backstage/api/mec/local_edge_cluster',
    );
    status = 404;
    await expect(client.getLocalEdgeCluster()).resolves.toBeUndefined();
    status = 403;
    await expect(client.getLocalEdgeCluster()).rejects.toThrow('none');
  });
});
