import { Entity } from '@backstage/catalog-model';
import { processingResult } from '@backstage/plugin-catalog-node';
import { MecEntitiesProcessor } from './MecEntitiesProcessor';

const location = { type: 'mec', target: 'http://localhost:7007/api/mec' };

const aPackage = (spec: Record<string, unknown> = {}): Entity => ({
  apiVersion: 'mec.helmmec.io/v1alpha1',
  kind: 'MecAppPackage',
  metadata: { name: 'video-analytics-1-0-0-5f2c1a9e', namespace: 'default' },
  spec: {
    appPkgId: '5f2c1a9e',
    appDId: 'appd-video-analytics',
    appName: 'video-analytics',
    appSoftwareVersion: '1.0.0',
    onboardingState: 'ONBOARDED',
    operationalState: 'ENABLED',
    usageState: 'NOT_IN_USE',
    mecInfo: ['3.1.1'],
    owner: 'group:default/mec-platform',
    ...spec,
  },
});

const anInstance = (spec: Record<string, unknown> = {}): Entity => ({
  apiVersion: 'mec.helmmec.io/v1alpha1',
  kind: 'MecAppInstance',
  metadata: { name: 'video-analytics-c3d9a0f1', namespace: 'default' },
  spec: {
    appInstanceId: 'c3d9a0f1',
    appDId: 'appd-video-analytics',
    package: 'mecapppackage:default/video-analytics-1-0-0-5f2c1a9e',
    host: 'resource:default/edge-1',
    instantiationState: 'INSTANTIATED',
    operationalState: 'STARTED',
    namespace: 'mec-c3d9a0f1',
    releaseName: 'mec-c3d9a0f1',
    owner: 'mec-platform',
    ...spec,
  },
});

describe('MecEntitiesProcessor', () => {
  const processor = new MecEntitiesProcessor();

  it('accepts valid packages and instances', async () => {
    await expect(processor.validateEntityKind(aPackage())).resolves.toBe(true);
    await expect(processor.validateEntityKind(anInstance())).resolves.toBe(
      true,
    );
    await expect(
      processor.validateEntityKind(
        anInstance({
          instantiationState: 'NOT_INSTANTIATED',
          host: undefined,
          operationalState: undefined,
          namespace: undefined,
          releaseName: undefined,
        }),
      ),
    ).resolves.toBe(true);
  });

  it('leaves other kinds and apiVersions to other processors', async () => {
    await expect(
      processor.validateEntityKind({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'x' },
        spec: { type: 'service', owner: 'me', lifecycle: 'production' },
      }),
    ).resolves.toBe(false);
    await expect(
      processor.validateEntityKind({
        ...aPackage(),
        apiVersion: 'mec.helmmec.io/v2',
      }),
    ).resolves.toBe(false);
  });

  it('rejects MEC entities that break their schema', async () => {
    await expect(
      processor.validateEntityKind(aPackage({ onboardingState: 'DONE' })),
    ).rejects.toThrow(/onboardingState/);
    await expect(
      processor.validateEntityKind(aPackage({ appPkgId: undefined })),
    ).rejects.toThrow(/appPkgId/);
    await expect(
      processor.validateEntityKind(anInstance({ package: '' })),
    ).rejects.toThrow(/package/);
    await expect(
      processor.validateEntityKind(anInstance({ owner: 42 })),
    ).rejects.toThrow(/owner/);
  });

  it('relates an instance to its package, its host and its owner', async () => {
    const emit = jest.fn();
    const entity = anInstance();
    await expect(
      processor.postProcessEntity(entity, location, emit),
    ).resolves.toBe(entity);

    const self = {
      kind: 'MecAppInstance',
      namespace: 'default',
      name: 'video-analytics-c3d9a0f1',
    };
    const pkg = {
      kind: 'mecapppackage',
      namespace: 'default',
      name: 'video-analytics-1-0-0-5f2c1a9e',
    };
    const host = { kind: 'resource', namespace: 'default', name: 'edge-1' };
    const owner = { kind: 'Group', namespace: 'default', name: 'mec-platform' };
    const relation = (source: object, type: string, target: object) =>
      processingResult.relation({
        source: source as any,
        type,
        target: target as any,
      });
    expect(emit.mock.calls.map(c => c[0])).toEqual([
      relation(self, 'ownedBy', owner),
      relation(owner, 'ownerOf', self),
      relation(self, 'dependsOn', pkg),
      relation(pkg, 'dependencyOf', self),
      relation(self, 'dependsOn', host),
      relation(host, 'dependencyOf', self),
    ]);
  });

  it('relates a package to its owner only', async () => {
    const emit = jest.fn();
    await processor.postProcessEntity(aPackage(), location, emit);
    expect(emit).toHaveBeenCalledTimes(2);
    expect(emit.mock.calls[0][0].relation).toMatchObject({
      type: 'ownedBy',
      target: { kind: 'group', name: 'mec-platform' },
    });
  });

  it('emits nothing for other kinds', async () => {
    const emit = jest.fn();
    await processor.postProcessEntity(
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Resource',
        metadata: { name: 'edge-1' },
        spec: { type: 'kubernetes-cluster', owner: 'x' },
      },
      location,
      emit,
    );
    expect(emit).not.toHaveBeenCalled();
  });
});
