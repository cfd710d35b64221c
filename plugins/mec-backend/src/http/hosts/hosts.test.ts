import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { EdgeCluster, startEdgeCluster } from '@internal/edge-cluster';
import express from 'express';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import YAML from 'yaml';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import { applyDatabaseMigrations } from '../../database/migrations';
import {
  EDGE_HOST_HEALTH_TASK_ID,
  EdgeHostHealthChecker,
  EdgeHostService,
} from '../../hosts';
import { loadKubernetesClient } from '../../kubernetes/kubeConfig';
import { spec } from '../../schema/openapi/generated/hosts';
import { notFoundHandler, problemDetailsErrorHandler } from '../problemDetails';
import { createHostsRouter } from './createHostsRouter';

jest.setTimeout(240_000);

const databases = createTestDatabases();
const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** A logger that keeps every line, with its metadata, for the secret check. */
function capturingLogger(lines: string[]): LoggerService {
  const log = (level: string) => (message: string, meta?: Error | object) => {
    lines.push(
      `${level} ${message} ${
        meta instanceof Error
          ? `${meta.message} ${meta.stack}`
          : JSON.stringify(meta ?? {})
      }`,
    );
  };
  const logger: LoggerService = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: () => logger,
  };
  return logger;
}

let cluster: EdgeCluster;
let clusterStopped = false;
let admin: { certData: string; keyData: string };
const responses: string[] = [];
const logLines: string[] = [];
const apps = new Map<string, express.Express>();
// The built-in drivers and one a backend module brought.
const drivers = { ids: () => ['example', 'flux', 'helm'] };
let instancesByHost: Record<string, number> = {};
const usage = {
  countByHost: async (name: string) => instancesByHost[name] ?? 0,
};

beforeAll(async () => {
  cluster = await startEdgeCluster({
    name: `hosts-test-${randomBytes(3).toString('hex')}`,
    nodes: 3,
  });
  const kubeconfig = YAML.parse(readFileSync(cluster.kubeconfigPath, 'utf8'));
  admin = {
    certData: kubeconfig.users[0].user['client-certificate-data'],
    keyData: kubeconfig.users[0].user['client-key-data'],
  };
  // A pod with requests, created as admin, that the checks must count.
  const k8s = await loadKubernetesClient();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  await kc.makeApiClient(k8s.CoreV1Api).createNamespacedPod({
    namespace: cluster.namespace,
    body: {
      metadata: { name: 'requests-probe' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'example.com/app:1',
            resources: { requests: { cpu: '250m', memory: '128Mi' } },
          },
        ],
      },
    },
  });
});

afterAll(async () => {
  if (cluster && !clusterStopped) await cluster.stop();
});

/** Sends a request, checks the response against hosts.yaml and keeps its text. */
async function call(
  app: express.Express,
  method: 'get' | 'post' | 'patch' | 'delete',
  path: string,
  template: string,
  body?: object,
) {
  let r = request(app)[method](`/hosts${path}`);
  if (body) r = r.send(body);
  const res = await r;
  responses.push(`${JSON.stringify(res.headers)} ${res.text}`);
  // hosts.yaml's paths are relative to the plugin's base URL
  const documented = `/hosts${template === '/' ? '' : template}`;
  expectConformingResponse(spec, { method, path: documented }, res);
  return res;
}

describe.each(databases.eachSupportedId())('/hosts on %p', databaseId => {
  let app: express.Express;
  let hosts: EdgeHostService;
  let checker: EdgeHostHealthChecker;

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    await applyDatabaseMigrations(knex);
    const logger = capturingLogger(logLines);
    const config = new ConfigReader({
      mec: {
        hosts: {
          encryptionKey: randomBytes(32).toString('base64'),
          healthCheck: { frequency: { seconds: 15 }, timeout: { seconds: 5 } },
          static: [
            {
              name: 'local-config',
              url: cluster.server,
              caData: cluster.caData,
              authProvider: 'serviceAccount',
              serviceAccountToken: cluster.serviceAccountToken,
              namespacePolicy: { mode: 'fixed', namespace: cluster.namespace },
            },
          ],
        },
      },
    });
    hosts = await EdgeHostService.fromConfig(config, {
      knex,
      logger,
      drivers,
      usage,
    });
    checker = EdgeHostHealthChecker.fromConfig(config, { hosts, logger });
    app = express();
    app.use(
      await createHostsRouter({
        hosts,
        healthChecker: checker,
        // placement.test.ts covers the preview, on the whole plugin
        placement: {
          previewPlacement: () => Promise.reject(new Error('not used here')),
        },
      }),
    );
    app.use(notFoundHandler());
    app.use(problemDetailsErrorHandler({ logger }));
    apps.set(databaseId, app);
  });

  it('registers the cluster with its ServiceAccount token and probes it', async () => {
    const res = await call(app, 'post', '', '/', {
      name: 'edge-sa',
      title: 'Local edge (deployer)',
      url: cluster.server,
      caData: cluster.caData,
      credential: {
        type: 'serviceAccountToken',
        token: cluster.serviceAccountToken,
      },
      driver: 'helm',
      labels: { 'topology.kubernetes.io/zone': 'local-a' },
      location: {
        zone: 'local-a',
        site: 'lab',
        latitude: 48.1,
        longitude: 11.6,
      },
      namespacePolicy: { mode: 'fixed', namespace: cluster.namespace },
      probe: true,
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/hosts/edge-sa');
    expect(res.body).toMatchObject({
      name: 'edge-sa',
      url: cluster.server,
      hasCaData: true,
      credential: { type: 'serviceAccountToken' },
      source: 'api',
      status: {
        reachable: true,
        kubernetesVersion: expect.stringMatching(/^v1\.\d+\.\d+/),
        readyNodes: 3,
        totalNodes: 3,
        allocatable: { cpuMillicores: 3 * 3800, memoryBytes: 3 * 15 * GiB },
        // The deployer may not list pods cluster-wide: its namespace only.
        requestedScope: 'namespaces',
        requested: { cpuMillicores: 250, memoryBytes: 128 * MiB },
      },
    });
    expect(res.body.status.error).toBeUndefined();
  });

  it('registers the cluster with a client certificate and sums pods cluster-wide', async () => {
    const res = await call(app, 'post', '', '/', {
      name: 'edge-admin',
      url: cluster.server,
      caData: cluster.caData,
      credential: { type: 'clientCertificate', ...admin },
      driver: 'flux',
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBeUndefined();
    const checked = await call(
      app,
      'post',
      '/edge-admin/check',
      '/{name}/check',
    );
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({
      name: 'edge-admin',
      credential: { type: 'clientCertificate' },
      namespacePolicy: { mode: 'perInstance' },
      status: {
        reachable: true,
        readyNodes: 3,
        requestedScope: 'cluster',
      },
    });
    expect(checked.body.status.requested.cpuMillicores).toBeGreaterThanOrEqual(
      250,
    );
  });

  it('answers 400 for invalid registrations and 409 for a duplicate', async () => {
    const base = {
      name: 'edge-bad',
      url: cluster.server,
      credential: { type: 'serviceAccountToken', token: 'x'.repeat(20) },
    };
    for (const body of [
      { ...base, url: 'http://127.0.0.1:6443' },
      { ...base, name: 'Not_A_Label' },
      { ...base, credential: { type: 'serviceAccountToken' } },
      { ...base, extra: true },
    ]) {
      const res = await call(app, 'post', '', '/', body);
      expect(res.status).toBe(400);
    }
    const unknownDriver = await call(app, 'post', '', '/', {
      ...base,
      driver: 'kubectl',
    });
    expect(unknownDriver.status).toBe(400);
    expect(unknownDriver.body.detail).toBe(
      "Unknown driver 'kubectl': the registered drivers are example, flux, helm",
    );
    // Outside mec.hosts.outbound (here the development default, loopback).
    const metadata = await call(app, 'post', '', '/', {
      ...base,
      url: 'https://169.254.169.254',
    });
    expect(metadata.status).toBe(400);
    expect(metadata.body.detail).toBe(
      "The edge host URL https://169.254.169.254 is not allowed: no mec.hosts.outbound.allow rule matches host '169.254.169.254', port 443 and scheme https",
    );
    const noCa = await call(app, 'post', '', '/', { ...base, probe: true });
    expect(noCa.status).toBe(400);
    expect(noCa.body.detail).toBe(
      "Edge host 'edge-bad' cannot be reached: TLS failure (check the URL and the CA data)",
    );
    const wrongToken = await call(app, 'post', '', '/', {
      ...base,
      caData: cluster.caData,
      probe: true,
    });
    expect(wrongToken.status).toBe(400);
    expect(wrongToken.body.detail).toContain(
      'unauthorized (check the credential and its permissions)',
    );
    const dup = await call(app, 'post', '', '/', { ...base, name: 'edge-sa' });
    expect(dup.status).toBe(409);
  });

  it('lists and reads hosts, 404 for an unknown one', async () => {
    const list = await call(app, 'get', '', '/');
    expect(list.status).toBe(200);
    expect(list.body.items.map((h: { name: string }) => h.name)).toEqual([
      'edge-admin',
      'edge-sa',
      'local-config',
    ]);
    expect(
      list.body.items.find((h: { name: string }) => h.name === 'local-config'),
    ).toMatchObject({ source: 'config', driver: 'helm' });
    const one = await call(app, 'get', '/edge-sa', '/{name}');
    expect(one.status).toBe(200);
    expect(one.body.location).toEqual({
      zone: 'local-a',
      site: 'lab',
      latitude: 48.1,
      longitude: 11.6,
    });
    const put = await request(app).put('/hosts/edge-sa').send({});
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, PATCH, DELETE, HEAD');
    const missing = await call(app, 'get', '/nope', '/{name}');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(
      /application\/problem\+json/,
    );
  });

  it('changes settings of API hosts; 403 for config hosts', async () => {
    const res = await call(app, 'patch', '/edge-sa', '/{name}', {
      labels: { 'topology.kubernetes.io/zone': 'local-b', tier: 'gold' },
      driver: 'flux',
      description: 'patched',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      labels: { 'topology.kubernetes.io/zone': 'local-b', tier: 'gold' },
      driver: 'flux',
      description: 'patched',
      status: { reachable: true },
    });
    const bad = await call(app, 'patch', '/edge-sa', '/{name}', {
      driver: 'nope',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe(
      "Unknown driver 'nope': the registered drivers are example, flux, helm",
    );
    const moduleDriver = await call(app, 'patch', '/edge-sa', '/{name}', {
      driver: 'example',
    });
    expect(moduleDriver.status).toBe(200);
    expect(moduleDriver.body.driver).toBe('example');
    await call(app, 'patch', '/edge-sa', '/{name}', { driver: 'flux' });
    const config = await call(app, 'patch', '/local-config', '/{name}', {
      driver: 'flux',
    });
    expect(config.status).toBe(403);
  });

  it('checks every host on the global schedule', async () => {
    const tasks: Array<{
      id: string;
      scope?: string;
      fn: () => Promise<void>;
    }> = [];
    await checker.start({
      scheduleTask: async (task: any) => {
        tasks.push(task);
      },
    } as any);
    expect(tasks).toEqual([
      expect.objectContaining({
        id: EDGE_HOST_HEALTH_TASK_ID,
        scope: 'global',
        frequency: { seconds: 15 },
      }),
    ]);
    await tasks[0].fn();
    const local = await hosts.getHost('local-config');
    expect(local.status).toMatchObject({ reachable: true, readyNodes: 3 });
    expect((await hosts.listHealthy()).map(h => h.name)).toEqual([
      'edge-admin',
      'edge-sa',
      'local-config',
    ]);
  });

  it('deletes unused API hosts: 409 while in use, 403 for config hosts', async () => {
    instancesByHost = { 'edge-admin': 1 };
    expect((await call(app, 'delete', '/edge-admin', '/{name}')).status).toBe(
      409,
    );
    expect((await call(app, 'delete', '/local-config', '/{name}')).status).toBe(
      403,
    );
    const gone = await call(app, 'post', '', '/', {
      name: 'edge-temp',
      url: cluster.server,
      credential: { type: 'serviceAccountToken', token: 'y'.repeat(20) },
    });
    expect(gone.status).toBe(201);
    const deleted = await call(app, 'delete', '/edge-temp', '/{name}');
    expect(deleted.status).toBe(204);
    expect((await call(app, 'get', '/edge-temp', '/{name}')).status).toBe(404);
  });
});

describe('after the cluster stops', () => {
  beforeAll(async () => {
    await cluster.stop();
    clusterStopped = true;
  });

  it('reports every host unreachable with a readable error', async () => {
    for (const app of apps.values()) {
      const res = await call(app, 'post', '/edge-sa/check', '/{name}/check');
      expect(res.status).toBe(200);
      expect(res.body.status).toEqual({
        reachable: false,
        checkedAt: expect.any(String),
        error: 'unreachable',
      });
    }
    // The status keeps a fixed reason; the log says what happened.
    expect(logLines.join('\n')).toContain(
      `Edge host 'edge-sa' is unreachable: unreachable (connection refused by ${cluster.server})`,
    );
  });

  it('never put a credential or key material in a response or log line', () => {
    expect(responses.length).toBeGreaterThan(20);
    expect(logLines.length).toBeGreaterThan(0);
    const secrets = [
      cluster.serviceAccountToken,
      admin.keyData,
      admin.certData,
      Buffer.from(admin.keyData, 'base64').toString('utf8').split('\n')[1],
      cluster.caData,
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(16);
      for (const text of [...responses, ...logLines]) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
