import { ConfigReader } from '@backstage/config';
import {
  ConfigSourceData,
  ConfigSources,
  loadConfigSchema,
} from '@backstage/config-loader';
import {
  cachedBinaries,
  ensureBinaries,
  run,
  startEdgeCluster,
  type EdgeCluster,
} from '@internal/edge-cluster';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(600_000);

/*
 * The Helm charts of deploy/charts, rendered with the real helm binary and
 * handed to a real API server (a local edge cluster) in a server-side dry
 * run; the app-config each renders is loaded with the image's config files
 * as the container would, and validated against the backends' config
 * schemas. This package runs the MEO; its tests already start edge
 * clusters.
 */

const repoRoot = resolve(__dirname, '../../../..');
const chartsDir = join(repoRoot, 'deploy/charts');

// Distinctive secret values, to look for where they must not be.
const SECRETS = {
  apiToken: 'chart-test-api-token-6f1c0a7e2b9d',
  edgePullToken: 'chart-test-edge-pull-token-0d93be51a8',
  encryptionKey: 'chart-test-encryption-key-5c2e8f14b7a3',
  mepmToken: 'chart-test-mepm-token-91d04a7c3e6b',
  mepmNotifyToken: 'chart-test-mepm-notify-token-7a2f5d90c4e1',
  meoPullToken: 'chart-test-meo-pull-token-28c6b1e9f3d0',
  meoToken: 'chart-test-meo-token-a4e7c1b09f52',
  meoClientSecret: 'chart-test-meo-client-secret-3b8d6e2f0c71',
  postgresPassword: 'chart-test-postgres-password-e25a9c40d1f8',
};

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
  };
  [key: string]: any;
};

let home: string;
let helmPath: string;

async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(helmPath, args, {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    },
  });
  return stdout;
}

/** Writes values as a JSON file (JSON is YAML), for `helm -f`. */
function valuesFile(name: string, values: object): string {
  const path = join(home, `${name}.json`);
  writeFileSync(path, JSON.stringify(values, null, 2));
  return path;
}

async function render(
  chart: string,
  namespace: string,
  values: object,
): Promise<string> {
  return helm([
    'template',
    'edge',
    join(chartsDir, chart),
    '--namespace',
    namespace,
    '-f',
    valuesFile(`${chart}-${namespace}`, values),
  ]);
}

/** What `helm template` says when it refuses the values. */
async function renderError(chart: string, values: object): Promise<string> {
  try {
    await render(chart, 'refused', values);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${chart} rendered with values it should refuse`);
}

const pgValues = {
  host: 'postgresql.databases.svc.cluster.local',
  user: 'helmmec',
  password: SECRETS.postgresPassword,
};

/** The least the MEO chart needs; everything else is its default. */
const meoMinimal = {
  image: { repository: 'registry.example.com/helmmec/backend' },
  baseUrl: 'https://meo.example.com',
  postgresql: pgValues,
  secrets: {
    apiToken: SECRETS.apiToken,
    edgePullToken: SECRETS.edgePullToken,
    encryptionKey: SECRETS.encryptionKey,
    mepmNotifyToken: SECRETS.mepmNotifyToken,
  },
};

/** A production MEO: existing Secrets, TLS to PostgreSQL, an Ingress, OAuth for MEPMs. */
const meoProduction = {
  role: 'meo',
  image: { repository: 'registry.example.com/helmmec/backend', tag: '0.1.0' },
  replicaCount: 3,
  baseUrl: 'https://meo.example.com',
  apiRoot: 'https://meo.example.com/api/mec',
  postgresql: {
    host: 'meo-db-rw.databases.svc.cluster.local',
    existingSecret: 'meo-db-app',
    existingSecretUserKey: 'username',
    existingSecretPasswordKey: 'password',
    pluginDivisionMode: 'schema',
    database: 'helmmec',
    ssl: { enabled: true, caSecret: { name: 'meo-db-ca', key: 'ca.crt' } },
  },
  secrets: { existingSecret: 'meo-secrets' },
  encryptionKeys: { id: '2027-06', previousId: '2026-12' },
  mepms: { staticToken: { enabled: true } },
  extraExternalAccess: [
    {
      type: 'jwks',
      options: {
        url: 'https://idp.example.com/realms/mec/protocol/openid-connect/certs',
        issuer: 'https://idp.example.com/realms/mec',
        subjectPrefix: 'mepm',
      },
      accessRestrictions: [{ plugin: 'mec' }],
    },
  ],
  clients: [
    { subject: 'mec-api-client', allow: ['mm1'] },
    { subject: 'mec-edge-pull', allow: ['mec.package.pull'] },
    { subject: 'mec-mepm', allow: ['mm3'] },
    { subject: 'external:mepm:mepm-1', allow: ['mm3'] },
  ],
  appConfig: {
    mec: {
      mepms: {
        outbound: {
          allow: [{ host: '*.edge.example.com', schemes: ['https'] }],
        },
      },
      permissions: {
        roles: { platformAdmin: ['group:default/edge-platform'] },
      },
    },
  },
  ingress: {
    enabled: true,
    className: 'nginx',
    hosts: [{ host: 'meo.example.com' }],
    tls: [{ secretName: 'meo-tls', hosts: ['meo.example.com'] }],
  },
  resources: {
    requests: { cpu: '1', memory: '2Gi' },
    limits: { memory: '3Gi' },
  },
};

const mepmMinimal = {
  image: { repository: 'registry.example.com/helmmec/mepm' },
  baseUrl: 'https://mepm-1.edge.example.com',
  meo: { apiRoot: 'https://meo.example.com/api/mec' },
  postgresql: pgValues,
  secrets: {
    apiToken: SECRETS.apiToken,
    encryptionKey: SECRETS.encryptionKey,
    meoToken: SECRETS.meoToken,
  },
};

/** A production MEPM: OAuth 2.0 client credentials to its MEO, its own cluster as edge host. */
const mepmProduction = {
  image: { repository: 'registry.example.com/helmmec/mepm', tag: '0.1.0' },
  replicaCount: 2,
  baseUrl: 'https://mepm-1.edge.example.com',
  meo: {
    apiRoot: 'https://meo.example.com/api/mec',
    auth: {
      type: 'clientCredentials',
      tokenEndpoint:
        'https://idp.example.com/realms/mec/protocol/openid-connect/token',
      clientId: 'mepm-1',
      scope: 'mm3',
    },
  },
  postgresql: pgValues,
  secrets: {
    apiToken: SECRETS.apiToken,
    encryptionKey: SECRETS.encryptionKey,
    meoClientSecret: SECRETS.meoClientSecret,
    meoPullToken: SECRETS.meoPullToken,
  },
  localCluster: {
    enabled: true,
    name: 'site-1',
    driver: 'flux',
    namespace: 'edge-apps',
    extraNamespaces: ['edge-apps-2'],
    labels: { 'topology.kubernetes.io/zone': 'site-1-a' },
    location: { site: 'site-1', latitude: 48.85, longitude: 2.35 },
  },
  ingress: {
    enabled: true,
    className: 'nginx',
    hosts: [{ host: 'mepm-1.edge.example.com' }],
  },
};

describe('the Helm charts of deploy/charts', () => {
  let cluster: EdgeCluster;
  let runDir: string;

  async function kubectl(args: string[], input?: string): Promise<string> {
    const { stdout } = await run(join(cluster.binDir, 'kubectl'), args, {
      input,
      // HOME: kubectl's discovery cache goes there, not into the work tree.
      env: {
        PATH: process.env.PATH,
        HOME: home,
        KUBECONFIG: cluster.kubeconfigPath,
      },
    });
    return stdout;
  }

  /** The API server validates every object and answers with it, persisting nothing. */
  async function serverDryRun(manifest: string): Promise<K8sObject[]> {
    const out = JSON.parse(
      await kubectl(
        [
          'apply',
          '--server-side',
          '--dry-run=server',
          '--field-manager=helmmec-chart-test',
          '-o',
          'json',
          '-f',
          '-',
        ],
        manifest,
      ),
    );
    return out.kind === 'List' ? out.items : [out];
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'helmmec-charts-'));
    runDir = mkdtempSync(join(tmpdir(), 'helmmec-charts-cluster-'));
    const binaries = cachedBinaries() ?? (await ensureBinaries());
    helmPath = binaries.bin.helm;
    cluster = await startEdgeCluster({
      name: `charts-${Math.random().toString(36).slice(2, 7)}`,
      nodes: 1,
      runDir,
    });
    for (const namespace of ['meo', 'meo-prod', 'mepm', 'mepm-prod']) {
      await kubectl(['create', 'namespace', namespace]);
    }
    // The second deployment namespace of the production MEPM (edge-apps
    // exists on every edge cluster).
    await kubectl(['create', 'namespace', 'edge-apps-2']);
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(runDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const byKind = (objects: K8sObject[], kind: string) =>
    objects.filter(o => o.kind === kind);
  const one = (objects: K8sObject[], kind: string) => {
    const found = byKind(objects, kind);
    expect(found).toHaveLength(1);
    return found[0];
  };

  /** Every ConfigMap's text: no secret value may be in it. */
  function expectNoSecretInConfigMaps(objects: K8sObject[]) {
    const configMaps = byKind(objects, 'ConfigMap');
    expect(configMaps.length).toBeGreaterThan(0);
    for (const configMap of configMaps) {
      const text = JSON.stringify(configMap);
      for (const secret of Object.values(SECRETS)) {
        expect(text).not.toContain(secret);
      }
    }
  }

  /** The Secret's values, decoded, by key. */
  function secretData(secret: K8sObject): Record<string, string> {
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value as string, 'base64').toString(),
      ]),
    );
  }

  function expectHardenedBackend(deployment: K8sObject) {
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.livenessProbe.httpGet).toMatchObject({
      path: '/.backstage/health/v1/liveness',
      port: 'http',
    });
    expect(container.readinessProbe.httpGet).toMatchObject({
      path: '/.backstage/health/v1/readiness',
      port: 'http',
    });
    expect(container.startupProbe.httpGet.path).toBe(
      '/.backstage/health/v1/liveness',
    );
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests.memory).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    // A writable /tmp for helm and archives on the read-only root.
    expect(container.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'tmp', mountPath: '/tmp' }),
    );
  }

  /**
   * The environment the container would get: plain values, and values from
   * Secrets (the rendered one, or a stand-in for a Secret that exists in
   * the cluster beforehand).
   */
  function containerEnv(objects: K8sObject[]): Record<string, string> {
    const deployment = one(objects, 'Deployment');
    const secrets = new Map(
      byKind(objects, 'Secret').map(s => [s.metadata.name, secretData(s)]),
    );
    const env: Record<string, string> = {};
    for (const variable of deployment.spec.template.spec.containers[0].env) {
      if (variable.value !== undefined) {
        env[variable.name] = variable.value;
      } else {
        const { name, key } = variable.valueFrom.secretKeyRef;
        env[variable.name] =
          secrets.get(name)?.[key] ??
          `existing-secret-${name}-${key}-0123456789abcdef`;
      }
    }
    return env;
  }

  // Collected once per backend package from its plugins' config.d.ts.
  const schemas = new Map<string, ReturnType<typeof loadConfigSchema>>();

  /**
   * The app-config the container would load: the image's config files,
   * then the chart's layer, with ${VARIABLES} from the container's
   * environment; validated against the config schemas of the backend
   * package's plugins.
   */
  async function loadContainerConfig(
    objects: K8sObject[],
    backendPackage: 'backend' | 'mepm',
    extraEnv: Record<string, string> = {},
  ) {
    const deployment = one(objects, 'Deployment');
    const [container] = deployment.spec.template.spec.containers;
    expect(container.args[0]).toBe(`packages/${backendPackage}`);
    const layer = join(home, `${backendPackage}-${Date.now()}.yaml`);
    writeFileSync(
      layer,
      one(objects, 'ConfigMap').data['app-config.helm.yaml'],
    );
    // The --config arguments, with the image's files taken from this
    // repository (the image copies them to its working directory).
    const targets = (container.args as string[])
      .filter((_, i, all) => all[i - 1] === '--config')
      .map(path => ({
        type: 'path' as const,
        target:
          path === '/etc/helmmec/app-config.helm.yaml'
            ? layer
            : join(repoRoot, path),
      }));
    expect(targets.map(t => t.target)).toEqual([
      join(repoRoot, 'app-config.yaml'),
      join(repoRoot, 'app-config.production.yaml'),
      layer,
    ]);
    const env = { ...containerEnv(objects), ...extraEnv };
    const source = ConfigSources.defaultForTargets({
      rootDir: repoRoot,
      targets,
      substitutionFunc: async name => env[name],
    });
    let configs: ConfigSourceData[] = [];
    for await (const data of source.readConfigData()) {
      configs = data.configs;
      break;
    }
    if (!schemas.has(backendPackage)) {
      schemas.set(
        backendPackage,
        loadConfigSchema({ dependencies: [backendPackage] }),
      );
    }
    const schema = await schemas.get(backendPackage)!;
    schema.process(configs);
    return ConfigReader.fromConfigs(configs);
  }

  it('refuses to render without what it cannot default, saying what is missing', async () => {
    expect(await renderError('helmmec-meo', {})).toContain(
      'baseUrl is required',
    );
    expect(
      await renderError('helmmec-meo', {
        ...meoMinimal,
        postgresql: { ...pgValues, host: '' },
      }),
    ).toContain('postgresql.host is required');
    expect(
      await renderError('helmmec-meo', {
        ...meoMinimal,
        postgresql: { ...pgValues, password: '' },
      }),
    ).toContain('postgresql.password or postgresql.existingSecret is required');
    expect(
      await renderError('helmmec-meo', {
        ...meoMinimal,
        secrets: { ...meoMinimal.secrets, encryptionKey: '' },
      }),
    ).toContain(
      'secrets.encryptionKey is required (the key of secrets at rest, openssl rand -base64 32), or secrets.existingSecret naming a Secret with the key MEC_ENCRYPTION_KEY',
    );
    expect(
      await renderError('helmmec-meo', { ...meoMinimal, role: 'mepm' }),
    ).toContain("role 'mepm' is not one of meo, combined");
    expect(
      await renderError('helmmec-meo', {
        ...meoMinimal,
        mepms: { staticToken: { enabled: true } },
      }),
    ).toContain('secrets.mepmToken is required');
    expect(
      await renderError('helmmec-meo', {
        ...meoMinimal,
        secrets: { ...meoMinimal.secrets, mepmNotifyToken: '' },
      }),
    ).toContain('secrets.mepmNotifyToken is required');
    expect(
      await renderError('helmmec-meo', {
        ...meoMinimal,
        image: { repository: '' },
      }),
    ).toContain('image.repository is required');

    expect(
      await renderError('helmmec-mepm', {
        ...mepmMinimal,
        meo: { apiRoot: '' },
      }),
    ).toContain(
      'meo.apiRoot is required: the ETSI {apiRoot} of the MEO this MEPM works for',
    );
    expect(
      await renderError('helmmec-mepm', {
        ...mepmMinimal,
        secrets: { ...mepmMinimal.secrets, meoToken: '' },
      }),
    ).toContain('secrets.meoToken is required');
    expect(
      await renderError('helmmec-mepm', {
        ...mepmMinimal,
        localCluster: { enabled: true, driver: 'flux' },
      }),
    ).toContain('secrets.meoPullToken is required');
    expect(
      await renderError('helmmec-mepm', {
        ...mepmMinimal,
        meo: {
          apiRoot: 'https://meo.example.com/api/mec',
          auth: { type: 'clientCredentials' },
        },
      }),
    ).toContain('meo.auth.tokenEndpoint is required');
    expect(
      await renderError('helmmec-mepm', {
        ...mepmMinimal,
        meo: {
          apiRoot: 'https://meo.example.com/api/mec',
          auth: { type: 'basic' },
        },
      }),
    ).toContain("meo.auth.type 'basic' is not one of token, clientCredentials");
  });

  it('passes helm lint with the default and the production values', async () => {
    for (const [chart, values] of [
      ['helmmec-meo', meoMinimal],
      ['helmmec-meo', meoProduction],
      ['helmmec-mepm', mepmMinimal],
      ['helmmec-mepm', mepmProduction],
    ] as const) {
      const out = await helm([
        'lint',
        '--strict',
        join(chartsDir, chart),
        '-f',
        valuesFile(`lint-${chart}`, values),
      ]);
      expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('the MEO with its defaults: the API server accepts every object, secrets only in the Secret', async () => {
    const objects = await serverDryRun(
      await render('helmmec-meo', 'meo', meoMinimal),
    );
    expect(objects.map(o => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
    expectNoSecretInConfigMaps(objects);
    expect(secretData(one(objects, 'Secret'))).toEqual({
      MEC_API_TOKEN: SECRETS.apiToken,
      MEC_EDGE_PULL_TOKEN: SECRETS.edgePullToken,
      MEC_ENCRYPTION_KEY: SECRETS.encryptionKey,
      MEC_MEPM_NOTIFY_TOKEN: SECRETS.mepmNotifyToken,
      POSTGRES_PASSWORD: SECRETS.postgresPassword,
    });
    const deployment = one(objects, 'Deployment');
    expectHardenedBackend(deployment);
    expect(deployment.spec.replicas).toBe(2);
    expect(one(objects, 'Service').spec.ports[0]).toMatchObject({
      port: 7007,
      targetPort: 'http',
    });

    const config = await loadContainerConfig(objects, 'backend');
    expect(config.getString('mec.role')).toBe('meo');
    expect(config.getString('backend.baseUrl')).toBe('https://meo.example.com');
    expect(config.getString('auth.environment')).toBe('production');
    expect(config.getBoolean('permission.enabled')).toBe(true);
    expect(config.getConfig('backend.database').get()).toMatchObject({
      client: 'pg',
      connection: {
        host: pgValues.host,
        port: '5432',
        user: 'helmmec',
        password: SECRETS.postgresPassword,
      },
    });
    expect(config.getString('mec.helmRepository.pullToken')).toBe(
      SECRETS.edgePullToken,
    );
    expect(config.get('mec.encryptionKeys')).toEqual([
      { id: 'primary', secret: SECRETS.encryptionKey },
    ]);
    expect(
      config
        .getConfigArray('backend.auth.externalAccess')
        .map(e => [
          e.getString('options.subject'),
          e.getString('options.token'),
        ]),
    ).toEqual([
      ['mec-api-client', SECRETS.apiToken],
      ['mec-edge-pull', SECRETS.edgePullToken],
      ['mec-mepm-notify', SECRETS.mepmNotifyToken],
    ]);
    // Its MEPMs post their notifications with a token it accepts.
    expect(config.getString('mec.mepms.notificationToken')).toBe(
      SECRETS.mepmNotifyToken,
    );
  });

  it('the MEO in production: existing Secrets, TLS to PostgreSQL, Ingress, key rotation', async () => {
    const objects = await serverDryRun(
      await render('helmmec-meo', 'meo-prod', meoProduction),
    );
    // The secrets are the operator's: the chart makes no Secret.
    expect(byKind(objects, 'Secret')).toEqual([]);
    expectNoSecretInConfigMaps(objects);
    const deployment = one(objects, 'Deployment');
    expectHardenedBackend(deployment);
    expect(deployment.spec.replicas).toBe(3);
    const env = deployment.spec.template.spec.containers[0].env;
    const fromSecret = (name: string) =>
      env.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef;
    expect(fromSecret('POSTGRES_PASSWORD')).toEqual({
      name: 'meo-db-app',
      key: 'password',
    });
    expect(fromSecret('POSTGRES_USER')).toEqual({
      name: 'meo-db-app',
      key: 'username',
    });
    expect(fromSecret('POSTGRES_SSL_CA')).toEqual({
      name: 'meo-db-ca',
      key: 'ca.crt',
    });
    for (const name of [
      'MEC_API_TOKEN',
      'MEC_EDGE_PULL_TOKEN',
      'MEC_ENCRYPTION_KEY',
      'MEC_MEPM_NOTIFY_TOKEN',
      'MEC_MEPM_TOKEN',
      'MEC_PREVIOUS_ENCRYPTION_KEY',
    ]) {
      expect(fromSecret(name)).toEqual({ name: 'meo-secrets', key: name });
    }
    const ingress = one(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'edge-helmmec-meo',
      port: { name: 'http' },
    });

    const config = await loadContainerConfig(objects, 'backend');
    expect(config.getString('mec.role')).toBe('meo');
    expect(config.getString('mec.apiRoot')).toBe(
      'https://meo.example.com/api/mec',
    );
    expect(config.getString('backend.database.pluginDivisionMode')).toBe(
      'schema',
    );
    expect(config.getString('backend.database.connection.database')).toBe(
      'helmmec',
    );
    expect(config.getString('backend.database.connection.ssl.ca')).toBe(
      'existing-secret-meo-db-ca-ca.crt-0123456789abcdef',
    );
    expect(
      config.getConfigArray('mec.encryptionKeys').map(k => k.getString('id')),
    ).toEqual(['2027-06', '2026-12']);
    expect(
      config
        .getConfigArray('backend.auth.externalAccess')
        .map(e => e.getString('type')),
    ).toEqual(['static', 'static', 'static', 'static', 'jwks']);
    expect(
      config.getConfigArray('mec.mepms.outbound.allow')[0].getString('host'),
    ).toBe('*.edge.example.com');
  });

  it('the combined role renders the same backend with mec.role combined', async () => {
    const objects = await serverDryRun(
      await render('helmmec-meo', 'meo', {
        ...meoMinimal,
        role: 'combined',
        replicaCount: 1,
      }),
    );
    expect(byKind(objects, 'PodDisruptionBudget')).toEqual([]);
    const config = await loadContainerConfig(objects, 'backend');
    expect(config.getString('mec.role')).toBe('combined');
  });

  it('a MEPM with its defaults: its MEO, a token, no access to its own cluster', async () => {
    const objects = await serverDryRun(
      await render('helmmec-mepm', 'mepm', mepmMinimal),
    );
    expect(objects.map(o => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
    expectNoSecretInConfigMaps(objects);
    expectHardenedBackend(one(objects, 'Deployment'));

    const config = await loadContainerConfig(objects, 'mepm');
    expect(config.getString('mec.role')).toBe('mepm');
    expect(config.getConfig('mec.mepm.meo').get()).toEqual({
      apiRoot: 'https://meo.example.com/api/mec',
      auth: { token: SECRETS.meoToken },
    });
    expect(config.getString('backend.database.connection.password')).toBe(
      SECRETS.postgresPassword,
    );
    expect(
      config
        .getConfigArray('backend.auth.externalAccess')
        .map(e => [
          e.getString('options.subject'),
          e.getString('options.token'),
        ]),
    ).toEqual([['mec-meo', SECRETS.apiToken]]);
    expect(config.getOptionalConfigArray('mec.hosts.static')).toBeUndefined();
    // Production whatever the image's files say; the development defaults
    // of app-config.yaml that a MEPM does not use are removed.
    expect(config.getString('auth.environment')).toBe('production');
    expect(config.getBoolean('permission.enabled')).toBe(true);
    expect(config.has('mec.helmRepository.pullToken')).toBe(false);
    expect(config.has('mec.mepms.notificationToken')).toBe(false);
  });

  it('a MEPM in production: OAuth 2.0 to its MEO, its own cluster with least-privilege RBAC', async () => {
    const objects = await serverDryRun(
      await render('helmmec-mepm', 'mepm-prod', mepmProduction),
    );
    expectNoSecretInConfigMaps(objects);
    const chartSecret = byKind(objects, 'Secret').find(
      s => s.type === 'Opaque',
    )!;
    expect(secretData(chartSecret)).toEqual({
      MEC_API_TOKEN: SECRETS.apiToken,
      MEC_ENCRYPTION_KEY: SECRETS.encryptionKey,
      MEC_MEO_CLIENT_SECRET: SECRETS.meoClientSecret,
      MEC_MEO_PULL_TOKEN: SECRETS.meoPullToken,
      POSTGRES_PASSWORD: SECRETS.postgresPassword,
    });
    const tokenSecret = byKind(objects, 'Secret').find(
      s => s.type === 'kubernetes.io/service-account-token',
    )!;
    const serviceAccount = one(objects, 'ServiceAccount');
    expect(
      tokenSecret.metadata.annotations?.['kubernetes.io/service-account.name'],
    ).toBe(serviceAccount.metadata.name);

    // Deploy rights in the two namespaces only; reads of nodes and
    // namespaces cluster-wide, nothing else.
    const roles = byKind(objects, 'Role');
    expect(roles.map(r => r.metadata.namespace).sort()).toEqual([
      'edge-apps',
      'edge-apps-2',
    ]);
    for (const binding of byKind(objects, 'RoleBinding')) {
      expect(binding.subjects).toEqual([
        {
          kind: 'ServiceAccount',
          name: serviceAccount.metadata.name,
          namespace: 'mepm-prod',
        },
      ]);
    }
    const clusterRole = one(objects, 'ClusterRole');
    for (const rule of clusterRole.rules) {
      expect(
        rule.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v)),
      ).toBe(true);
    }
    expect(one(objects, 'ClusterRoleBinding').roleRef.name).toBe(
      clusterRole.metadata.name,
    );

    const deployment = one(objects, 'Deployment');
    expectHardenedBackend(deployment);
    const [container] = deployment.spec.template.spec.containers;
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(container.volumeMounts).toContainEqual(
      expect.objectContaining({
        name: 'local-cluster',
        mountPath: '/var/run/secrets/helmmec/local-cluster',
      }),
    );

    // The shell prefix of the container sets the CA, base64 PEM.
    const caData = Buffer.from(
      '-----BEGIN CERTIFICATE-----\nchart-test\n-----END CERTIFICATE-----\n',
    ).toString('base64');
    const config = await loadContainerConfig(objects, 'mepm', {
      MEC_LOCAL_CLUSTER_CA_DATA: caData,
    });
    expect(config.getConfig('mec.mepm.meo').get()).toEqual({
      apiRoot: 'https://meo.example.com/api/mec',
      auth: {
        tokenEndpoint:
          'https://idp.example.com/realms/mec/protocol/openid-connect/token',
        clientId: 'mepm-1',
        clientSecret: SECRETS.meoClientSecret,
        scope: 'mm3',
      },
      // Flux on its cluster pulls the charts from the MEO.
      helmRepository: { pullToken: SECRETS.meoPullToken },
    });
    const [host] = config.getConfigArray('mec.hosts.static');
    expect(host.get()).toMatchObject({
      name: 'site-1',
      url: 'https://kubernetes.default.svc',
      caData,
      authProvider: 'serviceAccount',
      serviceAccountToken: `existing-secret-${tokenSecret.metadata.name}-token-0123456789abcdef`,
      driver: 'flux',
      namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
      labels: { 'topology.kubernetes.io/zone': 'site-1-a' },
      location: { site: 'site-1' },
    });
    expect(config.getBoolean('mec.hosts.outbound.allowPrivateNetworks')).toBe(
      true,
    );
  });
});
