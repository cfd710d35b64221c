import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  recordedHosts,
  recordedInstances,
  recordedPackages,
} from '../__fixtures__/mecApiResponses';
import { MecEntitiesProcessor } from '../processor/MecEntitiesProcessor';
import { MecEntityProvider } from './MecEntityProvider';

/**
 * A local HTTP server on 127.0.0.1 that serves the recorded responses of the
 * mec backend, which a test may change between refreshes.
 */
async function startRecordedMecApi() {
  const state = {
    packages: structuredClone(recordedPackages),
    instances: structuredClone(recordedInstances),
    hosts: structuredClone(recordedHosts),
    requests: [] as Array<{ url: string; authorization?: string }>,
    failWith: undefined as number | undefined,
  };
  // One resource by its id, as the provider reads an announced change.
  const single = (url: string) => {
    const match =
      /^\/api\/mec\/(app_pkgm\/v1\/app_packages|app_lcm\/v1\/app_instances|hosts)\/([^/?]+)$/.exec(
        url,
      );
    if (!match) return undefined;
    const id = decodeURIComponent(match[2]);
    const item =
      match[1] === 'hosts'
        ? state.hosts.items.find(h => h.name === id)
        : (match[1].endsWith('app_packages')
            ? state.packages
            : state.instances
          ).find(i => i.id === id);
    return { item };
  };
  const server: Server = createServer((req, res) => {
    state.requests.push({
      url: req.url ?? '',
      authorization: req.headers.authorization,
    });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.failWith) {
      send(state.failWith, { status: state.failWith, detail: 'down' });
    } else if (!req.headers.authorization?.startsWith('Bearer ')) {
      send(401, { status: 401, detail: 'No token' });
    } else if (req.url === '/api/mec/app_pkgm/v1/app_packages?all_fields') {
      send(200, state.packages);
    } else if (req.url === '/api/mec/app_lcm/v1/app_instances') {
      send(200, state.instances);
    } else if (req.url === '/api/mec/hosts') {
      send(200, state.hosts);
    } else if (single(req.url ?? '')) {
      const found = single(req.url ?? '')!;
      if (found.item) send(200, found.item);
      else send(404, { status: 404, detail: req.url });
    } else {
      send(404, { status: 404, detail: req.url });
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    baseUrl: `http://127.0.0.1:${port}/api/mec`,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

describe('MecEntityProvider against a local HTTP server', () => {
  let api: Awaited<ReturnType<typeof startRecordedMecApi>>;

  beforeEach(async () => {
    api = await startRecordedMecApi();
  });
  afterEach(async () => {
    await api.close();
  });

  async function connectProvider(
    options: { fullSyncIntervalMs?: number } = {},
  ) {
    let refresh: (() => Promise<void>) | undefined;
    const applyMutation = jest.fn();
    const logger = mockServices.logger.mock();
    const provider = new MecEntityProvider({
      logger,
      taskRunner: {
        run: async ({ fn }) => {
          refresh = fn as () => Promise<void>;
          await fn(undefined as any);
        },
      },
      discovery: {
        getBaseUrl: async () => api.baseUrl,
        getExternalBaseUrl: async () => api.baseUrl,
      },
      auth: mockServices.auth(),
      owner: 'group:default/mec-platform',
      appBaseUrl: 'http://localhost:3000',
      ...options,
    });
    const connection: EntityProviderConnection = {
      applyMutation,
      refresh: jest.fn(),
    };
    await provider.connect(connection);
    return { provider, applyMutation, logger, refresh: () => refresh!() };
  }

  const byName = (entities: Entity[], name: string) =>
    entities.find(e => e.metadata.name === name)!;

  it('applies every package, instance and host in full when it connects', async () => {
    const { applyMutation } = await connectProvider();

    expect(api.state.requests.map(r => r.url).sort()).toEqual([
      '/api/mec/app_lcm/v1/app_instances',
      '/api/mec/app_pkgm/v1/app_packages?all_fields',
      '/api/mec/hosts',
    ]);
    expect(
      api.state.requests.every(r =>
        /^Bearer mock-service-token/.test(r.authorization ?? ''),
      ),
    ).toBe(true);

    expect(applyMutation).toHaveBeenCalledTimes(1);
    const mutation = applyMutation.mock.calls[0][0];
    expect(mutation.type).toBe('full');
    const location = `mec:${api.baseUrl}`;
    expect(
      mutation.entities.every((d: any) => d.locationKey === location),
    ).toBe(true);
    const entities: Entity[] = mutation.entities.map((d: any) => d.entity);
    expect(entities.map(e => `${e.kind}:${e.metadata.name}`)).toEqual([
      'MecAppPackage:video-analytics-1-0-0-5f2c1a9e',
      'MecAppPackage:location-service-2-3-0-rc-1-0b8e44d2',
      'MecAppInstance:video-analytics-edge-1-c3d9a0f1',
      'MecAppInstance:video-analytics-7a6b5c4d',
      'Resource:edge-1',
    ]);

    const pkg = byName(entities, 'video-analytics-1-0-0-5f2c1a9e');
    expect(pkg).toMatchObject({
      apiVersion: 'mec.helmmec.io/v1alpha1',
      metadata: {
        title: 'video-analytics 1.0.0',
        annotations: {
          'backstage.io/managed-by-location': location,
          'backstage.io/managed-by-origin-location': location,
          'mec.helmmec.io/app-pkg-id': '5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77',
        },
        tags: ['mec', 'helm', 'helmmec-examples'],
        links: [
          {
            url: 'http://localhost:3000/mec/packages/5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77',
          },
          { url: recordedPackages[0]._links.self.href },
        ],
      },
      spec: {
        appPkgId: '5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77',
        appDId: 'appd-video-analytics',
        appName: 'video-analytics',
        appProvider: 'HelmMEC examples',
        appSoftwareVersion: '1.0.0',
        appDVersion: '1.0',
        onboardingState: 'ONBOARDED',
        operationalState: 'ENABLED',
        usageState: 'IN_USE',
        mecInfo: ['3.1.1'],
        owner: 'group:default/mec-platform',
      },
    });

    const instance = byName(entities, 'video-analytics-edge-1-c3d9a0f1');
    expect(instance.metadata.annotations).toMatchObject({
      'backstage.io/kubernetes-id': 'mec-c3d9a0f1',
      'backstage.io/kubernetes-label-selector':
        'app.kubernetes.io/instance=mec-c3d9a0f1',
      'backstage.io/kubernetes-namespace':
        'mec-c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f',
      'mec.helmmec.io/app-instance-id': 'c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f',
    });
    expect(instance.spec).toEqual({
      appInstanceId: 'c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f',
      appDId: 'appd-video-analytics',
      package: 'mecapppackage:default/video-analytics-1-0-0-5f2c1a9e',
      host: 'resource:default/edge-1',
      instantiationState: 'INSTANTIATED',
      operationalState: 'STARTED',
      namespace: 'mec-c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f',
      releaseName: 'mec-c3d9a0f1',
      owner: 'group:default/mec-platform',
    });
    // Not yet placed: no host and nothing for the Kubernetes plugin.
    const pending = byName(entities, 'video-analytics-7a6b5c4d');
    expect(pending.spec).not.toHaveProperty('host');
    expect(Object.keys(pending.metadata.annotations!)).not.toContain(
      'backstage.io/kubernetes-id',
    );

    expect(byName(entities, 'edge-1')).toMatchObject({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        title: 'Local edge cluster',
        annotations: {
          'kubernetes.io/api-server': 'https://127.0.0.1:6443',
          'mec.helmmec.io/edge-host': 'edge-1',
        },
        tags: ['mec', 'edge-host', 'helm', 'local-a'],
      },
      spec: { type: 'kubernetes-cluster', owner: 'group:default/mec-platform' },
    });
    expect(JSON.stringify(entities)).not.toMatch(/token|certData|caData"/);
  });

  it('emits entities that the processor accepts', async () => {
    const { applyMutation } = await connectProvider();
    const processor = new MecEntitiesProcessor();
    const mecEntities: Entity[] = applyMutation.mock.calls[0][0].entities
      .map((d: any) => d.entity)
      .filter((e: Entity) => e.kind !== 'Resource');
    expect(mecEntities).toHaveLength(4);
    const results = await Promise.all(
      mecEntities.map(e => processor.validateEntityKind(e)),
    );
    expect(results).toEqual([true, true, true, true]);
  });

  it('applies only what changed as one delta, and nothing when nothing did', async () => {
    const { applyMutation, refresh } = await connectProvider();
    applyMutation.mockClear();

    await refresh();
    expect(applyMutation).not.toHaveBeenCalled();

    // One instance stopped, one terminated and deleted, one package added.
    api.state.instances[0].instantiatedAppState!.operationalState = 'STOPPED';
    api.state.instances.splice(1, 1);
    api.state.packages.push({
      ...recordedPackages[0],
      id: 'aaaabbbb-0000',
      appSoftwareVersion: '1.1.0',
    });
    await refresh();

    expect(applyMutation).toHaveBeenCalledTimes(1);
    const mutation = applyMutation.mock.calls[0][0];
    expect(mutation.type).toBe('delta');
    expect(mutation.added.map((d: any) => d.entity.metadata.name)).toEqual([
      'video-analytics-1-1-0-aaaabbbb',
      'video-analytics-edge-1-c3d9a0f1',
    ]);
    expect(mutation.added[1].entity.spec.operationalState).toBe('STOPPED');
    expect(mutation.removed).toEqual([
      {
        entityRef: 'mecappinstance:default/video-analytics-7a6b5c4d',
        locationKey: `mec:${api.baseUrl}`,
      },
    ]);

    applyMutation.mockClear();
    await refresh();
    expect(applyMutation).not.toHaveBeenCalled();
  });

  it('keeps what it emitted when the mec backend fails, and catches up after', async () => {
    api.state.failWith = 503;
    const { applyMutation, logger, refresh } = await connectProvider();
    expect(applyMutation).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('could not refresh'),
    );

    // The first successful read is a full mutation.
    api.state.failWith = undefined;
    await refresh();
    expect(applyMutation).toHaveBeenCalledTimes(1);
    expect(applyMutation.mock.calls[0][0].type).toBe('full');

    api.state.failWith = 500;
    await refresh();
    expect(applyMutation).toHaveBeenCalledTimes(1);

    api.state.failWith = undefined;
    api.state.hosts.items = [];
    await refresh();
    expect(applyMutation.mock.calls[1][0]).toEqual({
      type: 'delta',
      added: [],
      removed: [
        {
          entityRef: 'resource:default/edge-1',
          locationKey: `mec:${api.baseUrl}`,
        },
      ],
    });
  });

  it('repairs drift with a full mutation once the full sync interval passed', async () => {
    const { applyMutation, refresh } = await connectProvider({
      fullSyncIntervalMs: 0,
    });
    await refresh();
    expect(applyMutation.mock.calls.map(c => c[0].type)).toEqual([
      'full',
      'full',
    ]);
  });

  it('reads only what an announcement names, a burst together', async () => {
    const { provider, applyMutation } = await connectProvider();
    const gone = api.state.instances.pop()!;
    const changed = api.state.packages[0];
    changed.operationalState = 'DISABLED';
    api.state.requests.length = 0;

    provider.announce({ appInstanceId: gone.id, appPkgId: gone.appPkgId }, 20);
    provider.announce({ appPkgId: changed.id }, 20);
    for (let i = 0; i < 100 && applyMutation.mock.calls.length < 2; i++) {
      await new Promise(r => setTimeout(r, 20));
    }

    // One read per named resource, none of the lists.
    expect(api.state.requests.map(r => r.url).sort()).toEqual(
      [
        `/api/mec/app_lcm/v1/app_instances/${gone.id}`,
        `/api/mec/app_pkgm/v1/app_packages/${gone.appPkgId}`,
        `/api/mec/app_pkgm/v1/app_packages/${changed.id}`,
      ]
        .filter((url, i, all) => all.indexOf(url) === i)
        .sort(),
    );
    const delta = applyMutation.mock.calls[1][0];
    expect(delta.type).toBe('delta');
    // The instance that is gone (404) is removed, by the entity it had.
    expect(delta.removed).toEqual([
      {
        entityRef: expect.stringMatching(/^mecappinstance:default\//),
        locationKey: `mec:${api.baseUrl}`,
      },
    ]);
    expect(
      delta.added.map((d: any) => [d.entity.kind, d.entity.spec.appPkgId]),
    ).toEqual([['MecAppPackage', changed.id]]);

    // Nothing changed since: an announcement applies nothing.
    provider.announce({ appPkgId: changed.id }, 20);
    await new Promise(r => setTimeout(r, 200));
    expect(applyMutation).toHaveBeenCalledTimes(2);
  });

  it('reads everything again for an announcement that names nothing', async () => {
    const { provider, applyMutation } = await connectProvider();
    api.state.hosts.items = [];
    api.state.requests.length = 0;

    provider.announce({}, 20);
    provider.announce({}, 20);
    for (let i = 0; i < 100 && applyMutation.mock.calls.length < 2; i++) {
      await new Promise(r => setTimeout(r, 20));
    }
    await new Promise(r => setTimeout(r, 100));

    expect(api.state.requests).toHaveLength(3);
    expect(applyMutation.mock.calls[1][0]).toMatchObject({
      type: 'delta',
      added: [],
      removed: [{ entityRef: 'resource:default/edge-1' }],
    });
  });
});
