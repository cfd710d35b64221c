import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { EdgeCluster } from '@internal/edge-cluster';
import express from 'express';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { applyDatabaseMigrations } from '../../database/migrations';
import { startTestCluster } from '../../drivers/__testUtils__/clusters';
import { EdgeHostService } from '../../hosts';
import { loadKubernetesClient } from '../../kubernetes/kubeConfig';
import { authorizeOperations, MecAuthorizer } from '../authorization';
import { notFoundHandler, problemDetailsErrorHandler } from '../problemDetails';
import {
  createKubernetesProxyRouter,
  KUBERNETES_PROXY_OPERATIONS,
} from './createKubernetesProxyRouter';

jest.setTimeout(240_000);

// The proxy does not touch the database beyond reading a host: SQLite only.
const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});

const asKubernetesPlugin = mockCredentials.service.header({
  onBehalfOf: mockCredentials.service('plugin:kubernetes'),
  targetPluginId: 'mec',
});

/** The Kubernetes plugin forwarding a user's request, as its module does. */
const onBehalfOf = (userEntityRef: string) =>
  `Bearer ${mockCredentials.user.token(userEntityRef, {
    actor: { subject: 'plugin:kubernetes' },
  })}`;

/** The user whom the permission policy lets read Kubernetes resources. */
const READER = 'user:default/reader';

let cluster: EdgeCluster;
let app: express.Express;

beforeAll(async () => {
  cluster = await startTestCluster('kube-proxy', false);
  const k8s = await loadKubernetesClient();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pod = (name: string, namespace: string, instance: string) =>
    core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name,
          labels: { 'app.kubernetes.io/instance': instance },
        },
        spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] },
      },
    });
  await pod('demo-web', cluster.namespace, 'demo');
  await pod('other-web', cluster.namespace, 'other');
  await pod('system-web', 'default', 'demo');

  const knex = await databases.init('SQLITE_3');
  await applyDatabaseMigrations(knex);
  const logger = mockServices.logger.mock();
  const hosts = await EdgeHostService.fromConfig(
    new ConfigReader({
      mec: {
        hosts: {
          encryptionKey: randomBytes(32).toString('base64'),
          static: [
            {
              name: 'edge-1',
              url: cluster.server,
              caData: cluster.caData,
              authProvider: 'serviceAccount',
              serviceAccountToken: cluster.serviceAccountToken,
              namespacePolicy: { mode: 'fixed', namespace: cluster.namespace },
            },
            {
              // The same cluster, one namespace per instance.
              name: 'edge-k',
              url: cluster.server,
              caData: cluster.caData,
              authProvider: 'serviceAccount',
              serviceAccountToken: cluster.serviceAccountToken,
              namespacePolicy: { mode: 'perInstance', prefix: 'k' },
            },
          ],
        },
      },
    }),
    {
      knex,
      logger,
      drivers: { ids: () => ['helm'] },
      usage: { countByHost: async () => 0 },
    },
  );
  const httpAuth = mockServices.httpAuth({ pluginId: 'mec' });
  const authorizer = new MecAuthorizer({
    httpAuth,
    permissions: {
      async authorize(requests, { credentials }) {
        const { principal } = credentials as any;
        return requests.map(() => ({
          result:
            principal.userEntityRef === READER
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        }));
      },
      authorizeConditional: async () => {
        throw new Error('not used');
      },
    },
    clients: new Map([
      ['plugin:kubernetes', new Set(['kubernetes.resources.read'])],
    ]),
  });
  app = express();
  app.use(
    '/kubernetes-proxy',
    authorizeOperations(KUBERNETES_PROXY_OPERATIONS, authorizer),
  );
  app.use(
    '/kubernetes-proxy',
    createKubernetesProxyRouter({
      httpAuth: mockServices.httpAuth({ pluginId: 'mec' }),
      hosts,
      logger,
    }),
  );
  app.use(notFoundHandler());
  app.use(problemDetailsErrorHandler({ logger }));
});

afterAll(async () => {
  await cluster?.stop();
});

function get(path: string, authorization = asKubernetesPlugin) {
  return request(app)
    .get(`/kubernetes-proxy/edge-1${path}`)
    .set('authorization', authorization);
}

describe('the Kubernetes proxy of edge hosts', () => {
  it("lists an instance's pods with the host's own credential", async () => {
    const res = await get(
      `/api/v1/namespaces/${
        cluster.namespace
      }/pods?labelSelector=${encodeURIComponent(
        'app.kubernetes.io/instance=demo',
      )}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('PodList');
    expect(
      res.body.items.map(
        (p: { metadata: { name: string } }) => p.metadata.name,
      ),
    ).toEqual(['demo-web']);
    expect(res.text).not.toContain(cluster.serviceAccountToken);
  });

  it('reads one object and passes the API server’s 404 on', async () => {
    const pod = await get(
      `/api/v1/namespaces/${cluster.namespace}/pods/demo-web`,
    );
    expect(pod.status).toBe(200);
    expect(pod.body.metadata.name).toBe('demo-web');

    const missing = await get(
      `/api/v1/namespaces/${cluster.namespace}/pods/nothing`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });

  it('reads grouped APIs too', async () => {
    const res = await get(
      `/apis/apps/v1/namespaces/${cluster.namespace}/deployments`,
    );
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('DeploymentList');
  });

  it("honours the user's Kubernetes permission when the plugin forwards for a user", async () => {
    const pods = `/api/v1/namespaces/${cluster.namespace}/pods`;
    const reader = await get(pods, onBehalfOf(READER));
    expect(reader.status).toBe(200);
    expect(reader.body.kind).toBe('PodList');

    const other = await get(pods, onBehalfOf('user:default/other'));
    expect(other.status).toBe(403);
    expect(other.body.detail).toBe(
      'You do not hold permission kubernetes.resources.read',
    );
  });

  it('serves only the Kubernetes plugin', async () => {
    // a user calling directly, not through the Kubernetes plugin
    const user = await get(
      `/api/v1/namespaces/${cluster.namespace}/pods`,
      mockCredentials.user.header(READER),
    );
    expect(user.status).toBe(403);
    expect(user.type).toBe('application/problem+json');
    expect(user.body.detail).toMatch(
      /serves only the Kubernetes backend plugin/,
    );

    const meo = await get(
      `/api/v1/namespaces/${cluster.namespace}/pods`,
      mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('external:mec-api-client'),
        targetPluginId: 'mec',
      }),
    );
    expect(meo.status).toBe(403);

    const anonymous = await get(
      `/api/v1/namespaces/${cluster.namespace}/pods`,
      mockCredentials.none.header(),
    );
    expect(anonymous.status).toBe(401);
  });

  it('refuses writes, other namespaces, cluster-wide reads, secrets and streams', async () => {
    const write = await request(app)
      .delete(
        `/kubernetes-proxy/edge-1/api/v1/namespaces/${cluster.namespace}/pods/demo-web`,
      )
      .set('authorization', asKubernetesPlugin);
    expect(write.status).toBe(405);
    expect(write.headers.allow).toBe('GET, HEAD');

    const refused = [
      ['/api/v1/namespaces/default/pods', 403, /holds no application/],
      ['/api/v1/pods', 403, /Only namespaced reads/],
      ['/api/v1/nodes', 403, /Only namespaced reads/],
      // Dot segments would be resolved away into another namespace.
      [
        `/api/v1/namespaces/${cluster.namespace}/../kube-system/status`,
        403,
        /Only namespaced reads/,
      ],
      [
        `/api/v1/namespaces/${cluster.namespace}/pods/%2E%2E`,
        403,
        /Only namespaced reads/,
      ],
      [`/api/v1/namespaces/${cluster.namespace}/secrets`, 403, /secrets/],
      [`/api/v1/namespaces/${cluster.namespace}/pods?watch=true`, 400, /watch/],
      [
        `/api/v1/namespaces/${cluster.namespace}/pods/demo-web/log?follow=1`,
        400,
        /follow/,
      ],
    ] as const;
    for (const [path, status, detail] of refused) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.body.detail).toMatch(detail);
    }

    // The pod in "default" was never read.
    const demo = await get(
      `/api/v1/namespaces/${cluster.namespace}/pods?labelSelector=app.kubernetes.io/instance%3Ddemo`,
    );
    expect(JSON.stringify(demo.body)).not.toContain('system-web');
  });

  it('matches namespaces exactly, never by prefix', async () => {
    const read = (hostName: string, namespace: string) =>
      request(app)
        .get(
          `/kubernetes-proxy/${hostName}/api/v1/namespaces/${namespace}/pods`,
        )
        .set('authorization', asKubernetesPlugin);
    const appInstanceId = randomUUID();
    const refused: Array<[string, string]> = [
      // A prefix test would let the prefix 'k' reach kube-system.
      ['edge-k', 'kube-system'],
      ['edge-k', 'kube-public'],
      ['edge-k', 'k'],
      ['edge-k', `k${appInstanceId}x`],
      ['edge-k', `x${appInstanceId}`],
      ['edge-k', `k-${appInstanceId}`],
      ['edge-k', `mec-${appInstanceId}`],
      ['edge-k', `k${appInstanceId.replace(/-/g, '')}`],
      // A fixed namespace is that namespace only.
      ['edge-1', `${cluster.namespace}x`],
      ['edge-1', cluster.namespace.slice(0, -1)],
      ['edge-1', `k${appInstanceId}`],
    ];
    for (const [hostName, namespace] of refused) {
      const res = await read(hostName, namespace);
      expect({ hostName, namespace, status: res.status }).toEqual({
        hostName,
        namespace,
        status: 403,
      });
      expect(res.body.detail).toMatch(/holds no application instances/);
    }

    // The namespace an instance gets under the policy goes through to the
    // API server, which answers with its own verdict for this credential.
    const passed = await read('edge-k', `k${appInstanceId}`);
    expect(passed.type).not.toBe('application/problem+json');
    expect(['PodList', 'Status']).toContain(passed.body.kind);
  });

  it('answers 404 for a host that is not registered', async () => {
    const res = await request(app)
      .get(
        `/kubernetes-proxy/edge-9/api/v1/namespaces/${cluster.namespace}/pods`,
      )
      .set('authorization', asKubernetesPlugin);
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/edge-9/);
  });
});
