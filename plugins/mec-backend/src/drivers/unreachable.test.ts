import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import { createServer } from 'node:net';
import { helmBinary } from './__testUtils__/clusters';
import { EdgeDriverError } from './errors';
import { FluxDriver } from './flux/FluxDriver';
import { HelmDriver } from './helm/HelmDriver';

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise(resolve => server.close(resolve));
  return port;
}

describe('drivers against an unreachable host', () => {
  it('fail with reason unreachable and without the credential', async () => {
    const token = 'secret-token-value-123456';
    const host: EdgeHostConnection = {
      name: 'gone',
      server: `https://127.0.0.1:${await closedPort()}`,
      credential: { type: 'serviceAccountToken', token },
    };
    const ref = { releaseName: 'app-x', namespace: 'edge-apps' };
    const drivers = [
      HelmDriver.create({ binary: await helmBinary() }),
      FluxDriver.create(),
    ];
    for (const driver of drivers) {
      const error = await driver.status(host, ref).catch(e => e);
      expect(error).toBeInstanceOf(EdgeDriverError);
      expect(error.reason).toBe('unreachable');
      expect(error.message).not.toContain(token);
      expect(error.message.split('\n')).toHaveLength(1);
    }
  });
});
