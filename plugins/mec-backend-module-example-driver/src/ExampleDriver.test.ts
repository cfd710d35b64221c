import { mockServices } from '@backstage/backend-test-utils';
import type {
  EdgeHostConnection,
  MecEdgeDriver,
  ReleaseStatus,
} from '@helmmec/plugin-mec-node';
import { ExampleDriver } from './ExampleDriver';

const host: EdgeHostConnection = {
  name: 'edge-1',
  server: 'https://127.0.0.1:6443',
  credential: { type: 'serviceAccountToken', token: 'secret-token-123' },
};
const ref = { releaseName: 'mec-0a1b', namespace: 'edge-apps' };
const deployed: ReleaseStatus = { phase: 'deployed', workloads: [] };

describe('ExampleDriver', () => {
  const delegate = {
    id: 'helm',
    install: jest.fn(async () => deployed),
    uninstall: jest.fn(async () => {}),
    operate: jest.fn(async () => deployed),
    status: jest.fn(async () => deployed),
  } satisfies MecEdgeDriver;
  const logger = mockServices.logger.mock();
  const driver = new ExampleDriver({ delegate, logger });

  it('installs through its delegate, labelling the release with its id', async () => {
    const spec = {
      ...ref,
      chart: { name: 'demo', version: '0.1.0', archive: Buffer.from('') },
      values: {},
      labels: { 'mec.etsi.org/app-instance-id': '0a1b' },
    };
    expect(driver.id).toBe('example');
    await expect(
      driver.install(host, spec, { timeoutSeconds: 60 }),
    ).resolves.toBe(deployed);
    expect(delegate.install).toHaveBeenCalledWith(
      host,
      {
        ...spec,
        labels: {
          'mec.etsi.org/app-instance-id': '0a1b',
          'helmmec.io/driver': 'example',
        },
      },
      { timeoutSeconds: 60 },
    );
  });

  it('passes the other operations on and logs them without the credential', async () => {
    await driver.operate(host, ref, 'STOPPED', { timeoutSeconds: 5 });
    await driver.uninstall(host, ref, { timeoutSeconds: 5, mode: 'FORCEFUL' });
    await driver.status(host, ref);
    expect(delegate.operate).toHaveBeenCalledWith(host, ref, 'STOPPED', {
      timeoutSeconds: 5,
    });
    expect(delegate.uninstall).toHaveBeenCalledWith(host, ref, {
      timeoutSeconds: 5,
      mode: 'FORCEFUL',
    });
    expect(delegate.status).toHaveBeenCalledWith(host, ref);
    expect(logger.info).toHaveBeenCalledWith(
      'uninstall edge-apps/mec-0a1b on edge-1 (FORCEFUL)',
    );
    expect(JSON.stringify(logger.info.mock.calls)).not.toContain(
      'secret-token-123',
    );
  });
});
