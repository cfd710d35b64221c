import { MecApiError } from './MecApiError';
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

/** A client on a recording fetch; `answer` decides each response. */
function recordingClient(
  answer: (url: string, init: RequestInit) => Response = () =>
    new Response('{}', { headers: { 'Content-Type': 'application/json' } }),
) {
  const calls: Array<{
    method: string;
    url: string;
    headers: Headers;
    body?: unknown;
  }> = [];
  const fetch = jest.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({
      method: init.method ?? 'GET',
      url,
      headers: new Headers(init.headers),
      body: init.body,
    });
    return answer(url, init);
  });
  const client = new MecClient({
    discoveryApi: { getBaseUrl: async () => 'http://backstage/api/mec' },
    fetchApi: { fetch } as any,
  });
  return { client, calls };
}

const BASE = 'http://backstage/api/mec';

describe('MecClient requests', () => {
  it('calls each operation on its ETSI path with its method, ids encoded', async () => {
    const { client, calls } = recordingClient((_url, init) =>
      init.method === 'POST' && /operate|terminate/.test(_url)
        ? new Response(null, {
            status: 202,
            headers: {
              Location:
                'https://meo.example.com/api/mec/app_lcm/v1/app_lcm_op_occs/occ-1',
            },
          })
        : new Response('{}', {
            headers: { 'Content-Type': 'application/json' },
          }),
    );
    await client.getAppPackage('p/1');
    await client.deleteAppPackage('p1');
    await client.getAppInstance('i 1');
    await client.deleteAppInstance('i1');
    await expect(client.operateAppInstance('i1', 'STOPPED')).resolves.toBe(
      'occ-1',
    );
    await expect(client.terminateAppInstance('i1', 'GRACEFUL')).resolves.toBe(
      'occ-1',
    );
    await client.getOpOcc('o1');
    await client.retryOpOcc('o1');
    await client.failOpOcc('o1');
    await client.getEdgeHost('edge-1');
    await client.checkEdgeHost('edge-1');
    await client.deleteEdgeHost('edge-1');
    await client.previewPlacement({ appInstanceId: 'i1' });
    await client.previewPlacement({ appPkgId: 'p&1' });

    expect(calls.map(c => `${c.method} ${c.url.slice(BASE.length)}`)).toEqual([
      'GET /app_pkgm/v1/app_packages/p%2F1',
      'DELETE /app_pkgm/v1/app_packages/p1',
      'GET /app_lcm/v1/app_instances/i%201',
      'DELETE /app_lcm/v1/app_instances/i1',
      'POST /app_lcm/v1/app_instances/i1/operate',
      'POST /app_lcm/v1/app_instances/i1/terminate',
      'GET /app_lcm/v1/app_lcm_op_occs/o1',
      'POST /app_lcm/v1/app_lcm_op_occs/o1/retry',
      'POST /app_lcm/v1/app_lcm_op_occs/o1/fail',
      'GET /hosts/edge-1',
      'POST /hosts/edge-1/check',
      'DELETE /hosts/edge-1',
      'GET /placement?appInstanceId=i1',
      'GET /placement?appPkgId=p%261',
    ]);
    expect(calls[4].body).toBe(JSON.stringify({ changeStateTo: 'STOPPED' }));
    expect(calls[5].body).toBe(JSON.stringify({ terminationType: 'GRACEFUL' }));
    // JSON unless a call asks for something else
    expect(
      calls.every(c => c.headers.get('Accept') === 'application/json'),
    ).toBe(true);
  });

  it('sends JSON bodies with their content type, the package ZIP as application/zip, and asks for the AppD as text', async () => {
    const { client, calls } = recordingClient((url, init) =>
      url.endsWith('/appd')
        ? new Response('appDId: x', {
            headers: { 'Content-Type': 'text/plain' },
          })
        : new Response(init.method === 'PUT' ? null : '{"id":"p1"}', {
            status: init.method === 'PUT' ? 202 : 200,
            headers: { 'Content-Type': 'application/json' },
          }),
    );
    const create = {
      appPkgName: 'a',
      appPkgVersion: '1.0.0',
      checksum: { algorithm: 'SHA-256', hash: 'ab' },
    };
    await client.createAppPackage(create);
    const zip = new Blob(['PK'], { type: 'application/zip' });
    await client.uploadAppPackageContent('p1', zip);
    await client.setAppPackageState('p1', 'DISABLED');
    await expect(client.getAppD('p1')).resolves.toBe('appDId: x');
    await client.createAppInstance({ appDId: 'd1', appInstanceName: 'n' });
    await client.registerEdgeHost({
      name: 'edge-1',
      url: 'https://10.0.0.5:6443',
      credential: { type: 'serviceAccountToken', token: 't' },
    });

    expect(
      calls.map(c => [
        `${c.method} ${c.url.slice(BASE.length)}`,
        c.headers.get('Content-Type'),
      ]),
    ).toEqual([
      ['POST /app_pkgm/v1/app_packages', 'application/json'],
      ['PUT /app_pkgm/v1/app_packages/p1/package_content', 'application/zip'],
      ['PATCH /app_pkgm/v1/app_packages/p1', 'application/json'],
      ['GET /app_pkgm/v1/app_packages/p1/appd', null],
      ['POST /app_lcm/v1/app_instances', 'application/json'],
      ['POST /hosts', 'application/json'],
    ]);
    expect(JSON.parse(calls[0].body as string)).toEqual(create);
    expect(calls[1].body).toBe(zip);
    expect(JSON.parse(calls[2].body as string)).toEqual({
      operationalState: 'DISABLED',
    });
    expect(calls[3].headers.get('Accept')).toBe('text/plain');
    expect(JSON.parse(calls[4].body as string)).toEqual({
      appDId: 'd1',
      appInstanceName: 'n',
    });
  });

  it('puts a list filter in the query, beside all_fields for op occurrences', async () => {
    const { client, calls } = recordingClient(
      () =>
        new Response('[]', { headers: { 'Content-Type': 'application/json' } }),
    );
    await client.listAppPackages({ filter: '(eq,operationalState,ENABLED)' });
    await client.listOpOccs({ filter: "(eq,appInstanceId,'a b')" });
    await client.listAppInstances();

    const pkgs = new URL(calls[0].url);
    expect(pkgs.pathname).toBe('/api/mec/app_pkgm/v1/app_packages');
    expect(pkgs.searchParams.get('filter')).toBe(
      '(eq,operationalState,ENABLED)',
    );
    const occs = new URL(calls[1].url);
    expect(occs.pathname).toBe('/api/mec/app_lcm/v1/app_lcm_op_occs');
    expect(occs.searchParams.has('all_fields')).toBe(true);
    expect(occs.searchParams.get('filter')).toBe("(eq,appInstanceId,'a b')");
    expect(calls[2].url).toBe(`${BASE}/app_lcm/v1/app_instances`);
  });

  it("instantiates and names the op occurrence from Location, or else from the instance's newest one", async () => {
    const self = 'https://meo.example.com/api/mec/app_lcm/v1/app_instances/i1';
    let location: string | undefined =
      'https://meo.example.com/api/mec/app_lcm/v1/app_lcm_op_occs/occ-9';
    const { client, calls } = recordingClient(url => {
      if (url.endsWith('/instantiate')) {
        return new Response(null, {
          status: 202,
          headers: location ? { Location: location } : {},
        });
      }
      const body = url.includes('app_lcm_op_occs')
        ? [
            { id: 'old', startTime: { seconds: 10, nanoSeconds: 0 } },
            { id: 'new', startTime: { seconds: 10, nanoSeconds: 5 } },
          ]
        : { id: 'i1', _links: { self: { href: self } } };
      return new Response(JSON.stringify(body), {
        headers: { 'Content-Type': 'application/json' },
      });
    });
    const request = {
      selectedMECHostInfo: [{ hostId: { name: 'edge-1' } }],
    } as any;
    await expect(client.instantiateAppInstance('i1', request)).resolves.toBe(
      'occ-9',
    );
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0].body as string)).toEqual(request);

    // Without Location (CORS did not expose it)
    location = undefined;
    await expect(client.instantiateAppInstance('i1', request)).resolves.toBe(
      'new',
    );
    const occs = new URL(calls[3].url);
    expect(occs.searchParams.get('filter')).toBe(
      `(eq,_links/appInstance/href,'${self}')`,
    );
  });

  it('changes an instance’s package (our extension) and reads its revisions', async () => {
    const revisions = [
      {
        revision: 2,
        chartName: 'video-analytics',
        chartVersion: '1.1.0',
        status: 'deployed',
      },
    ];
    const { client, calls } = recordingClient(url =>
      url.endsWith('/change_app_pkg')
        ? new Response(null, {
            status: 202,
            headers: {
              Location:
                'https://meo.example.com/api/mec/app_lcm/v1/app_lcm_op_occs/occ-7',
            },
          })
        : new Response(JSON.stringify(revisions), {
            headers: { 'Content-Type': 'application/json' },
          }),
    );
    const request = { appDId: 'd2', additionalParams: { replicaCount: 1 } };
    await expect(client.changeAppPkg('i/1', request)).resolves.toBe('occ-7');
    await expect(client.listRevisions('i/1')).resolves.toEqual(revisions);
    expect(
      calls.map(c => [
        `${c.method} ${c.url.slice(BASE.length)}`,
        c.headers.get('Content-Type'),
      ]),
    ).toEqual([
      [
        'POST /app_lcm/v1/app_instances/i%2F1/change_app_pkg',
        'application/json',
      ],
      ['GET /app_lcm/v1/app_instances/i%2F1/revisions', null],
    ]);
    expect(JSON.parse(calls[0].body as string)).toEqual(request);
  });

  it('manages the registry of MEPMs under /mepms: a page of the list, read, register, change, check, remove', async () => {
    const mepm = { name: 'mepm-a', apiRoot: 'http://127.0.0.1:7008/api/mec' };
    const { client, calls } = recordingClient(url =>
      url.startsWith(`${BASE}/mepms?`) || url === `${BASE}/mepms`
        ? new Response(JSON.stringify({ items: [mepm] }), {
            headers: {
              'Content-Type': 'application/json',
              // The backend links under its public apiRoot.
              Link: '<https://meo.example.com/api/mec/mepms?nextpage_opaque_marker=m2>; rel="next"',
            },
          })
        : new Response(JSON.stringify(mepm), {
            headers: { 'Content-Type': 'application/json' },
          }),
    );
    await expect(client.listMepmsPage()).resolves.toEqual({
      items: [mepm],
      nextMarker: 'm2',
    });
    await client.listMepmsPage({ marker: 'm2' });
    await client.getMepm('mepm/a');
    const register = {
      name: 'mepm-a',
      apiRoot: 'http://127.0.0.1:7008/api/mec',
      auth: { type: 'token' as const, token: 's3cret' },
    };
    await client.registerMepm(register);
    await client.updateMepm('mepm-a', { title: null });
    await expect(client.checkMepm('mepm-a')).resolves.toEqual(mepm);
    await client.deleteMepm('mepm-a');

    expect(
      calls.map(c => [
        `${c.method} ${c.url.slice(BASE.length)}`,
        c.headers.get('Content-Type'),
      ]),
    ).toEqual([
      ['GET /mepms', null],
      ['GET /mepms?nextpage_opaque_marker=m2', null],
      ['GET /mepms/mepm%2Fa', null],
      ['POST /mepms', 'application/json'],
      ['PATCH /mepms/mepm-a', 'application/json'],
      ['POST /mepms/mepm-a/check', null],
      ['DELETE /mepms/mepm-a', null],
    ]);
    expect(JSON.parse(calls[3].body as string)).toEqual(register);
    expect(JSON.parse(calls[4].body as string)).toEqual({ title: null });
  });
});

describe('MecClient errors', () => {
  const problem = (status: number, body: unknown, type: string) =>
    recordingClient(
      () =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), {
          status,
          statusText: {
            409: 'Conflict',
            401: 'Unauthorized',
            502: 'Bad Gateway',
            500: 'Internal Server Error',
          }[status],
          headers: { 'Content-Type': type },
        }),
    ).client;

  it("turns a ProblemDetails answer into a MecApiError with the server's detail", async () => {
    const details = {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'The package is already ENABLED',
    };
    const error = await problem(409, details, 'application/problem+json')
      .setAppPackageState('p1', 'ENABLED')
      .catch(e => e);
    expect(error).toBeInstanceOf(MecApiError);
    expect(error).toMatchObject({
      name: 'MecApiError',
      status: 409,
      problem: details,
      message: 'The package is already ENABLED',
    });
  });

  it('takes the title when a ProblemDetails has no detail', async () => {
    await expect(
      problem(
        409,
        { title: 'Conflict', status: 409 },
        'application/problem+json',
      ).getAppPackage('p1'),
    ).rejects.toThrow('Conflict');
  });

  it("reads Backstage's own error bodies (the auth middleware's 401)", async () => {
    const error = await problem(
      401,
      {
        error: { name: 'AuthenticationError', message: 'Missing credentials' },
      },
      'application/json',
    )
      .listEdgeHosts()
      .catch(e => e);
    expect(error).toBeInstanceOf(MecApiError);
    expect(error).toMatchObject({
      status: 401,
      message: 'Missing credentials',
    });
  });

  it('says what came back when the body is not JSON (a proxy in between)', async () => {
    const error = await problem(502, 'upstream down', 'text/plain')
      .getEdgeHost('edge-1')
      .catch(e => e);
    expect(error).toBeInstanceOf(MecApiError);
    expect(error).toMatchObject({
      status: 502,
      problem: undefined,
      message: '502 Bad Gateway: upstream down',
    });
  });

  it('fails a whole list when a later page fails', async () => {
    const { client, calls } = recordingClient(url =>
      url.includes('nextpage_opaque_marker')
        ? new Response(
            JSON.stringify({ status: 500, detail: 'database unavailable' }),
            {
              status: 500,
              headers: { 'Content-Type': 'application/problem+json' },
            },
          )
        : new Response('[{"id":"a"}]', {
            headers: {
              'Content-Type': 'application/json',
              Link: `<${BASE}/app_pkgm/v1/app_packages?nextpage_opaque_marker=m1>; rel="next"`,
            },
          }),
    );
    await expect(client.listAppPackages()).rejects.toMatchObject({
      status: 500,
      message: 'database unavailable',
    });
    expect(calls).toHaveLength(2);
  });
});
