import { EdgeCluster, startEdgeCluster } from '@internal/edge-cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from './__testUtils__/backendProcess';

jest.setTimeout(600_000);

const TOKEN = 'flux-lifecycle-token-0123456789';
const PULL_TOKEN = 'flux-edge-pull-token-0123456789';

/**
 * The flux driver end to end, as in the HelmMEC design: the MEO serves the
 * onboarded chart as a Helm repository, the edge cluster's Flux
 * source-controller pulls it from there (HTTP Basic, the pull token), and
 * helm-controller installs the HelmRelease the MEPM applied.
 */
describe('application lifecycle with the flux driver', () => {
  let cluster: EdgeCluster;
  let backend: BackendProcess | undefined;
  let dataDir: string;
  let subscriber: Server;
  const received: any[] = [];

  beforeAll(async () => {
    subscriber = createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>(r => subscriber.listen(0, '127.0.0.1', r));
    cluster = await startEdgeCluster({
      name: `flx-${Math.random().toString(36).slice(2, 7)}`,
      nodes: 1,
      flux: true,
    });
    dataDir = mkdtempSync(join(tmpdir(), 'helmmec-flux-'));
  });

  afterAll(async () => {
    subscriber.closeAllConnections();
    await new Promise(r => subscriber.close(r));
    await backend?.kill();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('instantiates, stops, starts and terminates through Flux pulling from the MEO', async () => {
    const port = await freePort();
    backend = await startBackendProcess({
      port,
      dataDir,
      token: TOKEN,
      config: {
        backend: {
          baseUrl: `http://127.0.0.1:${port}`,
          listen: { host: '127.0.0.1', port },
          auth: {
            externalAccess: [
              { type: 'static', options: { token: TOKEN, subject: 'meo' } },
              {
                type: 'static',
                options: { token: PULL_TOKEN, subject: 'edge-pull' },
              },
            ],
          },
        },
        mec: {
          clients: [
            {
              subject: 'meo',
              allow: ['mm1', 'mec.host.read', 'mec.host.check'],
            },
            { subject: 'edge-pull', allow: ['mec.package.pull'] },
          ],
          helmRepository: { pullToken: PULL_TOKEN },
          lifecycle: { operationTimeoutSeconds: 240 },
          hosts: {
            encryptionKey: 'flux-test-passphrase-0123456789',
            static: [
              {
                name: 'edge-flux',
                url: cluster.server,
                caData: cluster.caData,
                authProvider: 'serviceAccount',
                serviceAccountToken: cluster.serviceAccountToken,
                driver: 'flux',
                namespacePolicy: {
                  mode: 'fixed',
                  namespace: cluster.namespace,
                },
              },
            ],
          },
        },
      },
    });
    const api = (method: string, path: string, body?: unknown) =>
      backend!.api(method, path, body);
    const settle = async (location: string) => {
      const path = new URL(location).pathname.replace('/api/mec', '');
      for (let i = 0; i < 480; i++) {
        const op = (await api('GET', path)).body;
        if (['COMPLETED', 'FAILED_TEMP', 'FAILED'].includes(op.operationState))
          return op;
        await new Promise(r => setTimeout(r, 500));
      }
      throw new Error('operation did not settle');
    };

    const appDId = await backend.onboardExample('video-analytics');
    expect(
      (await api('POST', '/hosts/edge-flux/check')).body.status.reachable,
    ).toBe(true);

    const callbackUri = `http://127.0.0.1:${
      (subscriber.address() as AddressInfo).port
    }/lccn`;
    for (const subscriptionType of [
      'AppLcmOpOccStateChangeSubscription',
      'AppInstanceStateChangeSubscription',
      'AppIdentifierCreationSubscription',
      'AppIdentifierDeletionSubscription',
    ]) {
      await api('POST', '/app_lcm/v1/subscriptions', {
        subscriptionType,
        callbackUri,
      });
    }
    const instance = await api('POST', '/app_lcm/v1/app_instances', { appDId });
    const id = instance.body.id;
    const steps: Array<[string, object]> = [
      ['instantiate', {}],
      ['operate', { changeStateTo: 'STOPPED' }],
      ['operate', { changeStateTo: 'STARTED' }],
      [
        'terminate',
        { terminationType: 'GRACEFUL', gracefulTerminationTimeout: 120 },
      ],
    ];
    for (const [task, body] of steps) {
      const accepted = await api(
        'POST',
        `/app_lcm/v1/app_instances/${id}/${task}`,
        body,
      );
      expect(accepted.status).toBe(202);
      const op = await settle(accepted.location!);
      expect(op.error).toBeUndefined();
      expect(op.operationState).toBe('COMPLETED');
      const now = (await api('GET', `/app_lcm/v1/app_instances/${id}`)).body;
      const expected =
        task === 'terminate'
          ? 'NOT_INSTANTIATED'
          : (body as { changeStateTo?: string }).changeStateTo ?? 'STARTED';
      expect(
        now.instantiatedAppState?.operationalState ?? now.instantiationState,
      ).toBe(expected);
    }
    expect(
      (await api('DELETE', `/app_lcm/v1/app_instances/${id}`)).status,
    ).toBe(204);
  });
});
