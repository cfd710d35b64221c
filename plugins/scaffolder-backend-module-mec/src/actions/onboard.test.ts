import { createMockDirectory } from '@backstage/backend-test-utils';
import { createHash } from 'node:crypto';
import {
  MecServer,
  actionContext,
  initiatorToken,
} from '../__testUtils__/mecServer';
import { createOnboardPackageAction } from './onboard';

const PKG = 'a1b2c3d4-0000-4000-8000-000000000001';
const CHECKSUM = {
  algorithm: 'SHA-256',
  hash: 'ad438090af9607fb16f485ffcf0173e2222a5e70a3f478bc54c72a8b8bd4c086',
};

function pkg(onboardingState: string, extra: object = {}) {
  return {
    status: 200,
    body: {
      id: PKG,
      appDId: onboardingState === 'ONBOARDED' ? 'appd-location' : '',
      appName: 'location-service',
      appSoftwareVersion: '0.1.0',
      appDVersion: '1.0',
      onboardingState,
      operationalState: 'DISABLED',
      usageState: 'NOT_IN_USE',
      mecInfo: [],
      ...extra,
    },
  };
}

describe('mec:package:onboard', () => {
  const mec = new MecServer();
  const workspace = createMockDirectory();
  beforeAll(() => mec.start());
  afterAll(() => mec.stop());
  beforeEach(() => {
    mec.reset();
    mec.on('POST app_pkgm/v1/app_packages', { ...pkg('CREATED'), status: 201 });
  });

  const action = () =>
    createOnboardPackageAction({
      client: mec.client(),
      poll: { intervalMs: 1 },
    });

  it('onboards from a URL the MEO fetches and waits until ONBOARDED', async () => {
    mec.on(
      `GET app_pkgm/v1/app_packages/${PKG}`,
      pkg('CREATED'),
      pkg('PROCESSING'),
      pkg('ONBOARDED'),
    );
    const { ctx, logs } = actionContext({
      appPkgName: 'location-service',
      appPkgVersion: '0.1.0',
      appPkgPath: 'https://charts.example.com/location-service-0.1.0.tgz',
      checksum: CHECKSUM,
    });

    await action().handler(ctx);

    const [create] = mec.requests;
    expect(create.authorization).toBe(initiatorToken);
    expect(JSON.parse(create.body.toString())).toEqual({
      appPkgName: 'location-service',
      appPkgVersion: '0.1.0',
      checksum: CHECKSUM,
      appPkgPath: 'https://charts.example.com/location-service-0.1.0.tgz',
    });
    expect(mec.requests.map(r => r.method)).not.toContain('PUT');
    expect(logs()).toEqual(
      expect.arrayContaining([
        'Onboarding state CREATED',
        'Onboarding state PROCESSING',
        'Onboarding state ONBOARDED',
      ]),
    );
    expect(ctx.output).toHaveBeenCalledWith('appPkgId', PKG);
    expect(ctx.output).toHaveBeenCalledWith('appDId', 'appd-location');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'mecapppackage:default/location-service-0-1-0-a1b2c3d4',
    );
  });

  it('uploads a ZIP from the workspace with its computed SHA-256', async () => {
    const zip = Buffer.from(
      'PK\u0003\u0004 a package, as far as this test goes',
    );
    workspace.setContent({ 'out/location-service.zip': zip });
    mec.on(`PUT app_pkgm/v1/app_packages/${PKG}/package_content`, {
      status: 202,
    });
    mec.on(`GET app_pkgm/v1/app_packages/${PKG}`, pkg('ONBOARDED'));
    const { ctx } = actionContext(
      {
        appPkgName: 'location-service',
        appPkgVersion: '0.1.0',
        archive: 'out/location-service.zip',
      },
      workspace.path,
    );

    await action().handler(ctx);

    const [create, upload] = mec.requests;
    expect(JSON.parse(create.body.toString()).checksum).toEqual({
      algorithm: 'SHA-256',
      hash: createHash('sha256').update(zip).digest('hex'),
    });
    expect(upload.method).toBe('PUT');
    expect(upload.authorization).toBe(initiatorToken);
    expect(upload.contentType).toBe('application/zip');
    expect(upload.body.equals(zip)).toBe(true);
    expect(ctx.output).toHaveBeenCalledWith('appDId', 'appd-location');
  });

  it('fails the task with the onboarding failure details', async () => {
    mec.on(
      `GET app_pkgm/v1/app_packages/${PKG}`,
      pkg('PROCESSING'),
      pkg('CREATED', {
        onboardingFailureDetails: {
          title: 'Checksum mismatch',
          status: 422,
          detail: 'The package content does not match its checksum',
        },
      }),
    );
    const { ctx } = actionContext({
      appPkgName: 'location-service',
      appPkgVersion: '0.1.0',
      appPkgPath: 'https://charts.example.com/location-service-0.1.0.tgz',
      checksum: CHECKSUM,
    });

    await expect(action().handler(ctx)).rejects.toThrow(
      `Onboarding of package ${PKG} failed: The package content does not match its checksum`,
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('refuses input naming no source, both sources, or a URL without checksum', async () => {
    const base = { appPkgName: 'x', appPkgVersion: '1' };
    for (const input of [
      base,
      { ...base, appPkgPath: 'https://e.example/x.zip', archive: 'x.zip' },
      { ...base, appPkgPath: 'https://e.example/x.zip' },
    ]) {
      const { ctx } = actionContext(input);
      await expect(action().handler(ctx)).rejects.toMatchObject({
        name: 'InputError',
      });
    }
    expect(mec.requests).toEqual([]);
  });

  it('refuses an archive outside the workspace', async () => {
    const { ctx } = actionContext(
      { appPkgName: 'x', appPkgVersion: '1', archive: '../../etc/passwd' },
      workspace.path,
    );
    await expect(action().handler(ctx)).rejects.toThrow(/outside/);
    expect(mec.requests).toEqual([]);
  });
});
