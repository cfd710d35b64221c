import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { EdgeCluster, startEdgeCluster } from '@internal/edge-cluster';
import express from 'express';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import { applyDatabaseMigrations } from '../../database/migrations';
import { EdgeHostHealthChecker, EdgeHostService } from '../../hosts';
import { LocalEdgeClusterStatus } from '../../hosts/localEdgeCluster';
import { spec } from '../../schema/openapi/generated/hosts';
import { notFoundHandler, problemDetailsErrorHandler } from '../problemDetails';
import { createHostsRouter } from './createHostsRouter';

jest.setTimeout(240_000);

/**
 * `npm start`'s provisioning script (scripts/lib/localEdgeCluster.mjs). It
 * is tested here, against the real hosts router, because npm test runs the
 * workspaces' jest projects and scripts/ is none.
 */
interface ProvisioningScript {
  createStatusWriter(
    file: string,
    options: { name: string },
  ): { update(patch: object, line?: string): void };
  provisionLocalEdgeCluster(options: object): Promise<{
    startedHere: boolean;
  }>;
  registerLocalEdgeHost(options: {
    mecUrl: string;
    token: string;
    name: string;
    cluster: EdgeCluster;
    fresh: boolean;
  }): Promise<string>;
}
const scriptPath = resolve(
  __dirname,
  '../../../../../scripts/lib/localEdgeCluster.mjs',
);
let script: ProvisioningScript;

const logger = mockServices.logger.mock();
const notUsed = () => Promise.reject(new Error('not used here'));
let dir: string;

beforeAll(async () => {
  script = await import(scriptPath);
  dir = mkdtempSync(join(tmpdir(), 'local-edge-cluster-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The hosts router alone, with the progress read from `statusFile`. */
async function progressApp(statusFile?: string) {
  const app = express();
  app.use(
    await createHostsRouter({
      // The progress needs no registry.
      hosts: {} as EdgeHostService,
      healthChecker: {} as EdgeHostHealthChecker,
      placement: { previewPlacement: notUsed },
      localEdgeCluster: LocalEdgeClusterStatus.fromConfig(
        new ConfigReader(
          statusFile ? { mec: { localEdgeCluster: { statusFile } } } : {},
        ),
      ),
    }),
  );
  app.use(notFoundHandler());
  app.use(problemDetailsErrorHandler({ logger }));
  return app;
}

async function getProgress(app: express.Express) {
  const res = await request(app).get('/local_edge_cluster');
  expectConformingResponse(
    spec,
    { method: 'get', path: '/local_edge_cluster' },
    res,
  );
  return res;
}

/** A promise and its resolve/reject, for a build that ends when told. */
function deferred<T = void>() {
  let resolveIt!: (value: T) => void;
  let rejectIt!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolveIt = res;
    rejectIt = rej;
  });
  return { promise, resolve: resolveIt, reject: rejectIt };
}

/**
 * A stand-in for packages/edge-cluster's library whose build reports
 * progress and then waits until the test lets it finish.
 */
function slowBuildLibrary(build: Promise<void>) {
  const started = { server: 'https://127.0.0.1:6443' } as EdgeCluster;
  return {
    cachedBinaries: () => undefined,
    ensureBinaries: async (options: {
      onProgress: (progress: object) => void;
    }) => {
      const progress = (component: string, phase: string, message: string) => ({
        component,
        phase,
        message,
        elapsedSec: 0,
        totalSec: 0,
      });
      options.onProgress(progress('etcd', 'start', 'building etcd'));
      options.onProgress(progress('etcd', 'done', 'built etcd in 40s'));
      options.onProgress(
        progress('kubernetes', 'start', 'building kube-apiserver'),
      );
      await build;
      return {};
    },
    formatProgress: (p: { component: string; message: string }) =>
      `[build] ${p.component}: ${p.message}`,
    getEdgeCluster: () => undefined,
    edgeClusterStatus: async () => ({ apiserverReady: false }),
    stopEdgeCluster: async () => ({}),
    startEdgeCluster: async (options: { log: (line: string) => void }) => {
      options.log('started etcd');
      return started;
    },
  };
}

describe('GET /local_edge_cluster', () => {
  it('is 404 where npm start did not configure a local edge cluster', async () => {
    const res = await getProgress(await progressApp());
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/mec.localEdgeCluster.statusFile/);
  });

  it('is 404 until npm start has written any progress', async () => {
    const res = await getProgress(
      await progressApp(join(dir, 'never-written.json')),
    );
    expect(res.status).toBe(404);
  });

  it('follows a build, the start and the registration to the end', async () => {
    const statusFile = join(dir, 'progress.json');
    const app = await progressApp(statusFile);
    const build = deferred();
    const registration = deferred<string>();
    const registering = deferred<{ fresh: boolean }>();
    const provisioned = script.provisionLocalEdgeCluster({
      edge: slowBuildLibrary(build.promise),
      name: 'edge-1',
      status: script.createStatusWriter(statusFile, { name: 'edge-1' }),
      register: (_cluster: EdgeCluster, how: { fresh: boolean }) => {
        registering.resolve(how);
        return registration.promise;
      },
    });

    const building = await getProgress(app);
    expect(building.status).toBe(200);
    expect(building.body).toMatchObject({
      name: 'edge-1',
      phase: 'building',
      component: 'kubernetes',
      built: ['etcd'],
      message: 'building kube-apiserver',
      log: [
        '[build] etcd: building etcd',
        '[build] etcd: built etcd in 40s',
        '[build] kubernetes: building kube-apiserver',
      ],
    });
    expect(building.body.elapsedSeconds).toBeGreaterThanOrEqual(0);

    build.resolve();
    // The cluster this call started has new credentials.
    await expect(registering.promise).resolves.toEqual({ fresh: true });
    const registeringNow = await getProgress(app);
    expect(registeringNow.body).toMatchObject({
      phase: 'registering',
      message: 'registering "edge-1" (https://127.0.0.1:6443) as an edge host',
    });
    // What the build reported belongs to the build.
    expect(registeringNow.body.component).toBeUndefined();
    expect(registeringNow.body.built).toBeUndefined();
    expect(registeringNow.body.log).toContain('started etcd');

    registration.resolve('registered the local edge cluster');
    await expect(provisioned).resolves.toMatchObject({ startedHere: true });
    const registered = await getProgress(app);
    expect(registered.body).toMatchObject({
      phase: 'registered',
      message: 'registered the local edge cluster',
    });
  });

  it('says what failed and what to do', async () => {
    const statusFile = join(dir, 'failed.json');
    const app = await progressApp(statusFile);
    const build = deferred();
    const provisioned = script.provisionLocalEdgeCluster({
      edge: slowBuildLibrary(build.promise),
      name: 'edge-1',
      status: script.createStatusWriter(statusFile, { name: 'edge-1' }),
      register: notUsed,
    });
    build.reject(
      new Error(
        'building k8s.io/kubernetes failed: go build exited with 1\n--- last lines ---\nno space left on device',
      ),
    );
    await expect(provisioned).rejects.toThrow(/exited with 1/);
    const res = await getProgress(app);
    expect(res.body).toMatchObject({
      phase: 'failed',
      message: 'building failed',
      error: expect.stringContaining('no space left on device'),
      hint: expect.stringContaining('MEC_EDGE_CLUSTER=0 npm start'),
    });
  });

  it('reports a file that is not a progress report as a failure, not a 500', async () => {
    const statusFile = join(dir, 'garbage.json');
    writeFileSync(statusFile, '{"phase": "flying", "log": [1, 2]');
    const res = await getProgress(await progressApp(statusFile));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      phase: 'failed',
      error: expect.stringContaining('does not hold the progress'),
    });
  });
});

const databases = createTestDatabases();

describe('registering the local edge cluster through the hosts API', () => {
  let cluster: EdgeCluster;
  const clusterName = `local-edge-test-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    cluster = await startEdgeCluster({ name: clusterName, nodes: 1 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    let mecUrl: string;
    let server: ReturnType<express.Express['listen']>;
    let hosts: EdgeHostService;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      const config = new ConfigReader({
        mec: {
          hosts: {
            encryptionKey: randomBytes(32).toString('base64'),
            static: [
              {
                name: 'from-config',
                url: cluster.server,
                authProvider: 'serviceAccount',
                serviceAccountToken: cluster.serviceAccountToken,
              },
            ],
          },
        },
      });
      hosts = await EdgeHostService.fromConfig(config, {
        knex,
        logger,
        drivers: { ids: () => ['helm'] },
        usage: { countByHost: async () => 0 },
      });
      const app = express();
      app.use(
        await createHostsRouter({
          hosts,
          healthChecker: EdgeHostHealthChecker.fromConfig(config, {
            hosts,
            logger,
          }),
          placement: { previewPlacement: notUsed },
        }),
      );
      app.use(notFoundHandler());
      app.use(problemDetailsErrorHandler({ logger }));
      server = app.listen(0, '127.0.0.1');
      await new Promise(r => server.once('listening', r));
      mecUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise(r => server.close(r));
    });

    const register = (name: string, fresh: boolean) =>
      script.registerLocalEdgeHost({
        mecUrl,
        token: 'not-checked-by-the-router-alone',
        name,
        cluster,
        fresh,
      });

    it('registers the cluster, leaves it alone on a reuse, and moves it after a restart', async () => {
      await expect(register('edge-local', true)).resolves.toBe(
        'registered the local edge cluster as edge host "edge-local"',
      );
      const registered = await hosts.getHost('edge-local');
      expect(registered).toMatchObject({
        url: cluster.server,
        source: 'api',
        hasCaData: true,
        credentialType: 'serviceAccountToken',
        namespacePolicy: { mode: 'fixed', namespace: cluster.namespace },
        // The registration asks for a check at once.
        status: { reachable: true, readyNodes: 1 },
      });

      // npm start again, the cluster still running: nothing to change.
      await expect(register('edge-local', false)).resolves.toMatch(
        /registered already/,
      );
      expect((await hosts.getHost('edge-local')).updatedAt).toEqual(
        registered.updatedAt,
      );

      // The cluster restarted elsewhere with new credentials: a stale
      // registration on another port, with another token, moves to it.
      await hosts.updateHost('edge-local', {
        url: 'https://127.0.0.1:1',
        credential: { type: 'serviceAccountToken', token: 'stale' },
      });
      await hosts.recordStatus('edge-local', {
        reachable: false,
        checkedAt: new Date(),
        error: 'unreachable',
      });
      await expect(register('edge-local', true)).resolves.toBe(
        `updated edge host "edge-local" to the restarted cluster (${cluster.server})`,
      );
      expect(await hosts.getHost('edge-local')).toMatchObject({
        url: cluster.server,
        status: { reachable: true, readyNodes: 1 },
      });
      const connection = await hosts.getConnection('edge-local');
      expect(connection.credential).toEqual({
        type: 'serviceAccountToken',
        token: cluster.serviceAccountToken,
      });
    });

    it('does not take over a host defined in app-config', async () => {
      await expect(register('from-config', true)).rejects.toThrow(
        /defined in app-config/,
      );
    });

    it('reports the portal refusing the registration', async () => {
      await expect(register('Not_A_DNS_Label', true)).rejects.toThrow(
        /Registering edge host "Not_A_DNS_Label": the portal answered 400/,
      );
    });
  });
});
