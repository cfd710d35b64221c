import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { catalogModuleMec } from './module';
import { MecEntitiesProcessor } from './processor/MecEntitiesProcessor';
import { MecEntityProvider } from './providers/MecEntityProvider';
// The real mec backend plugin, only as the test's counterpart over HTTP.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import mecPlugin from '@helmmec/plugin-mec-backend';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AddressInfo } from 'node:net';

jest.setTimeout(120_000);

/**
 * The catalog module against the real mec backend plugin in one test
 * backend: what is onboarded and created through the ETSI APIs shows up as
 * entities, and later changes arrive as a delta as soon as they are announced.
 */
describe('MEC catalog entities from the mec backend', () => {
  it('mirrors an onboarded package, an instance and an edge host', async () => {
    const addEntityProvider = jest.fn();
    const addProcessor = jest.fn();
    const { server } = await startTestBackend({
      extensionPoints: [
        [
          catalogProcessingExtensionPoint,
          {
            addEntityProvider,
            addProcessor,
            addPlaceholderResolver: jest.fn(),
            setOnProcessingErrorHandler: jest.fn(),
          },
        ],
      ],
      features: [
        mecPlugin,
        catalogModuleMec,
        // The real events service (the test backend's default drops events).
        eventsServiceFactory,
        // The provider is refreshed by hand below.
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            mec: {
              hosts: {
                encryptionKey: 'catalog-test-passphrase-0123456789',
                static: [
                  {
                    name: 'edge-1',
                    title: 'Edge one',
                    // Nothing listens there; the catalog needs no cluster.
                    url: 'https://127.0.0.1:1',
                    authProvider: 'serviceAccount',
                    serviceAccountToken: 'not-a-real-token',
                  },
                ],
              },
            },
          },
        }),
      ],
    });

    const { port } = server.address() as AddressInfo;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://localhost:${port}/api/mec${path}`, {
        method,
        headers: {
          'content-type':
            body instanceof Buffer ? 'application/zip' : 'application/json',
        },
        body:
          body instanceof Buffer || body === undefined
            ? (body as Buffer | undefined)
            : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    const zip = readFileSync(
      // eslint-disable-next-line no-restricted-syntax
      resolve(__dirname, '../../../examples/packages/location-service.zip'),
    );
    const created = await api('POST', '/app_pkgm/v1/app_packages', {
      appPkgName: 'location-service',
      appPkgVersion: '0.1.0',
      checksum: {
        algorithm: 'SHA-256',
        hash: createHash('sha256').update(zip).digest('hex'),
      },
    });
    expect(created.status).toBe(201);
    const pkgId = created.body.id;
    const uploaded = await api(
      'PUT',
      `/app_pkgm/v1/app_packages/${pkgId}/package_content`,
      zip,
    );
    expect(uploaded.status).toBeLessThan(300);
    let appDId = '';
    for (let i = 0; i < 100 && !appDId; i++) {
      const res = await api('GET', `/app_pkgm/v1/app_packages/${pkgId}`);
      if (res.body.onboardingState === 'ONBOARDED') appDId = res.body.appDId;
      else await new Promise(r => setTimeout(r, 100));
    }
    expect(appDId).not.toBe('');
    const instance = await api('POST', '/app_lcm/v1/app_instances', {
      appDId,
      appInstanceName: 'where-am-i',
    });
    expect(instance.status).toBe(201);

    expect(addProcessor).toHaveBeenCalledWith(expect.any(MecEntitiesProcessor));
    const provider: MecEntityProvider = addEntityProvider.mock.calls[0][0];
    const applyMutation = jest.fn();
    await provider.connect({ applyMutation, refresh: jest.fn() });
    await provider.refresh();

    expect(applyMutation).toHaveBeenCalledTimes(1);
    const full = applyMutation.mock.calls[0][0];
    expect(full.type).toBe('full');
    const entities: Entity[] = full.entities.map((d: any) => d.entity);
    expect(entities.map(e => e.kind).sort()).toEqual([
      'MecAppInstance',
      'MecAppPackage',
      'Resource',
    ]);
    const processor = new MecEntitiesProcessor();
    const pkg = entities.find(e => e.kind === 'MecAppPackage')!;
    const inst = entities.find(e => e.kind === 'MecAppInstance')!;
    await expect(processor.validateEntityKind(pkg)).resolves.toBe(true);
    await expect(processor.validateEntityKind(inst)).resolves.toBe(true);
    expect(pkg.spec).toMatchObject({
      appPkgId: pkgId,
      appDId,
      onboardingState: 'ONBOARDED',
    });
    expect(inst.metadata.name).toBe(
      `where-am-i-${instance.body.id.replace(/-/g, '').slice(0, 8)}`,
    );
    expect(inst.spec).toMatchObject({
      appInstanceId: instance.body.id,
      package: `mecapppackage:default/${pkg.metadata.name}`,
      instantiationState: 'NOT_INSTANTIATED',
    });
    expect(entities.find(e => e.kind === 'Resource')).toMatchObject({
      metadata: {
        name: 'edge-1',
        title: 'Edge one',
        annotations: { 'kubernetes.io/api-server': 'https://127.0.0.1:1' },
      },
      spec: { type: 'kubernetes-cluster' },
    });
    expect(JSON.stringify(entities)).not.toContain('not-a-real-token');

    // Deleting the instance reaches the catalog as a delta removal, at once:
    // the mec plugin announces it on the events service, no schedule runs.
    const deleted = await api(
      'DELETE',
      `/app_lcm/v1/app_instances/${instance.body.id}`,
    );
    expect(deleted.status).toBe(204);
    for (let i = 0; i < 100 && applyMutation.mock.calls.length < 2; i++) {
      await new Promise(r => setTimeout(r, 50));
    }
    expect(applyMutation).toHaveBeenCalledTimes(2);
    const delta = applyMutation.mock.calls[1][0];
    expect(delta.type).toBe('delta');
    expect(delta.removed).toEqual([
      expect.objectContaining({
        entityRef: `mecappinstance:default/${inst.metadata.name}`,
      }),
    ]);
    // The package's usage state may change with it; nothing else does.
    expect(
      delta.added.every((d: any) => d.entity.kind === 'MecAppPackage'),
    ).toBe(true);

    // So does a host registered through the hosts API.
    const registered = await api('POST', '/hosts', {
      name: 'edge-2',
      url: 'https://127.0.0.1:2',
      credential: { type: 'serviceAccountToken', token: 'another-token' },
    });
    expect(registered.status).toBe(201);
    for (let i = 0; i < 100 && applyMutation.mock.calls.length < 3; i++) {
      await new Promise(r => setTimeout(r, 50));
    }
    expect(applyMutation).toHaveBeenCalledTimes(3);
    expect(applyMutation.mock.calls[2][0]).toMatchObject({
      type: 'delta',
      added: [{ entity: { kind: 'Resource', metadata: { name: 'edge-2' } } }],
    });
    expect(JSON.stringify(applyMutation.mock.calls)).not.toContain(
      'another-token',
    );
  });
});
