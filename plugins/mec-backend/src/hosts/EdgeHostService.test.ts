import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createTestDatabases } from '../__testUtils__/databases';
import { EdgeHostStore } from '../database/EdgeHostStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { OutboundUrlPolicy } from '../outbound';
import { parseIp } from '../outbound/addresses';
import { CredentialCipher } from './CredentialCipher';
import { EdgeHostService } from './EdgeHostService';
import { readStaticHosts } from './staticHosts';
import { RegisterEdgeHostRequest } from './validation';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const KEY = 'edge host service test passphrase';
const TOKEN = 'service-test-token-0a9b8c7d6e5f';

const request = (
  name: string,
  overrides: Partial<RegisterEdgeHostRequest> = {},
): RegisterEdgeHostRequest => ({
  name,
  url: 'https://127.0.0.1:6443',
  credential: { type: 'serviceAccountToken', token: TOKEN },
  ...overrides,
});

const staticConfig = (hosts: object[]) =>
  new ConfigReader({ mec: { hosts: { encryptionKey: KEY, static: hosts } } });

describe.each(databases.eachSupportedId())('EdgeHostService on %p', id => {
  let knex: Awaited<ReturnType<typeof databases.init>>;
  let service: EdgeHostService;
  const logger = mockServices.logger.mock();
  // The built-in drivers and one a backend module brought.
  const drivers = { ids: () => ['flux', 'helm', 'kustomize'] };
  let instancesByHost: Record<string, number> = {};
  const usage = {
    countByHost: async (name: string) => instancesByHost[name] ?? 0,
  };

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    service = await EdgeHostService.fromConfig(
      staticConfig([
        {
          name: 'config-edge',
          url: 'https://127.0.0.1:7443',
          authProvider: 'clientCertificate',
          clientCertData: 'Y2VydA==',
          clientKeyData: 'a2V5LXNlY3JldA==',
          driver: 'flux',
          labels: { 'topology.kubernetes.io/zone': 'zone-a' },
          location: { site: 'munich', latitude: 48.1, longitude: 11.6 },
          namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
        },
      ]),
      { knex, logger, drivers, usage },
    );
  });

  it('syncs hosts from mec.hosts.static with source config', async () => {
    expect(await service.getHost('config-edge')).toMatchObject({
      source: 'config',
      driver: 'flux',
      credentialType: 'clientCertificate',
      hasCaData: false,
      labels: { 'topology.kubernetes.io/zone': 'zone-a' },
      location: { site: 'munich', latitude: 48.1, longitude: 11.6 },
      namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
    });
    expect(await service.getConnection('config-edge')).toEqual({
      name: 'config-edge',
      server: 'https://127.0.0.1:7443',
      credential: {
        type: 'clientCertificate',
        certData: 'Y2VydA==',
        keyData: 'a2V5LXNlY3JldA==',
      },
    });
  });

  it('leaves an unchanged config host alone at the next start, updates a changed one', async () => {
    const before = await service.getHost('config-edge');
    const entry = {
      name: 'config-edge',
      url: 'https://127.0.0.1:7443',
      authProvider: 'clientCertificate',
      clientCertData: 'Y2VydA==',
      clientKeyData: 'a2V5LXNlY3JldA==',
      driver: 'flux',
      labels: { 'topology.kubernetes.io/zone': 'zone-a' },
      location: { site: 'munich', latitude: 48.1, longitude: 11.6 },
      namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
    };
    await new Promise(r => setTimeout(r, 10));
    await EdgeHostService.fromConfig(staticConfig([entry]), {
      knex,
      logger,
      drivers,
      usage,
    });
    expect((await service.getHost('config-edge')).updatedAt).toEqual(
      before.updatedAt,
    );
    await EdgeHostService.fromConfig(
      staticConfig([{ ...entry, clientKeyData: 'bmV3LWtleQ==' }]),
      { knex, logger, drivers, usage },
    );
    expect((await service.getHost('config-edge')).updatedAt).not.toEqual(
      before.updatedAt,
    );
    expect((await service.getConnection('config-edge')).credential).toEqual({
      type: 'clientCertificate',
      certData: 'Y2VydA==',
      keyData: 'bmV3LWtleQ==',
    });
    await EdgeHostService.fromConfig(staticConfig([entry]), {
      knex,
      logger,
      drivers,
      usage,
    });
  });

  it('registers a host with defaults and gives drivers its connection', async () => {
    const host = await service.registerHost(
      request('edge-1', { caData: 'Q0E=', labels: { site: 'lab' } }),
    );
    expect(host).toMatchObject({
      name: 'edge-1',
      url: 'https://127.0.0.1:6443',
      hasCaData: true,
      credentialType: 'serviceAccountToken',
      driver: 'helm',
      namespacePolicy: { mode: 'perInstance' },
      source: 'api',
    });
    expect(JSON.stringify(host)).not.toContain(TOKEN);
    expect(await service.getConnection('edge-1')).toEqual({
      name: 'edge-1',
      server: 'https://127.0.0.1:6443',
      caData: 'Q0E=',
      credential: { type: 'serviceAccountToken', token: TOKEN },
    });
    await expect(service.registerHost(request('edge-1'))).rejects.toThrow(
      /registered already/,
    );
  });

  it.each([
    [{ name: 'Edge_1' }, /Invalid edge host name/],
    [{ url: 'http://127.0.0.1:6443' }, /over https/],
    [{ url: 'not a url' }, /not an absolute URL/],
    [
      { driver: 'kubectl' },
      /Unknown driver 'kubectl': the registered drivers are flux, helm, kustomize/,
    ],
    [
      { credential: { type: 'serviceAccountToken', token: ' ' } },
      /no ServiceAccount token/,
    ],
    [
      { credential: { type: 'clientCertificate', certData: 'x', keyData: '' } },
      /needs both certData and keyData/,
    ],
    [{ labels: { 'bad key!': 'x' } }, /Invalid label key/],
    [{ location: { latitude: 91 } }, /latitude/],
    [
      { namespacePolicy: { mode: 'fixed', namespace: 'Bad_NS' } },
      /Invalid namespace/,
    ],
    [
      { namespacePolicy: { mode: 'perInstance', prefix: '-x' } },
      /Invalid namespace prefix/,
    ],
  ] as Array<[Partial<RegisterEdgeHostRequest>, RegExp]>)(
    'refuses an invalid registration %p',
    async (overrides, message) => {
      await expect(
        service.registerHost(request('edge-invalid', overrides)),
      ).rejects.toMatchObject({ name: 'InputError', message });
    },
  );

  it('refuses with probe a host it cannot reach, with a readable reason', async () => {
    await expect(
      service.registerHost(
        request('edge-down', { url: 'https://127.0.0.1:1' }),
        {
          probe: true,
        },
      ),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: "Edge host 'edge-down' cannot be reached: unreachable",
    });
    // What answered (or did not) is for the log only.
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('connection refused by https://127.0.0.1:1'),
    );
    await expect(service.getHost('edge-down')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  describe('under production-like host rules', () => {
    // A rule set naming the edge clusters' public names only, and a name
    // that a hostile DNS answer points at the metadata service.
    const dns: Record<string, string[]> = {
      'edge.example.com': ['203.0.113.10'],
      'rebound.example.com': ['169.254.169.254'],
    };
    const outboundPolicy = OutboundUrlPolicy.create({
      allow: [{ host: '*.example.com', schemes: ['https'], ports: [6443] }],
      configKey: 'mec.hosts.outbound',
      lookup: async host => {
        const answers = dns[host];
        if (!answers) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
        return answers.map(a => parseIp(a)!);
      },
    });
    let strict: EdgeHostService;

    beforeAll(async () => {
      strict = await EdgeHostService.create({
        store: EdgeHostStore.create({ knex }),
        drivers,
        usage,
        cipher: CredentialCipher.fromConfig(staticConfig([])),
        logger,
        outboundPolicy,
      });
    });

    it.each([
      'https://169.254.169.254',
      'https://10.0.0.1:6443',
      'https://[::ffff:127.0.0.1]:6443',
      'https://[::ffff:a9fe:a9fe]:6443',
      'https://127.0.0.1:6443',
      'https://rebound.example.com:6443',
    ])('refuses to register %s, naming the rule set', async url => {
      const error = await strict
        .registerHost(request('edge-ssrf', { url }), { probe: true })
        .catch(e => e);
      expect(error).toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(
          /^The edge host URL .* (no mec\.hosts\.outbound\.allow rule matches|resolves to 169\.254\.169\.254, a link-local address; .*mec\.hosts\.outbound\.allow)/,
        ),
      });
      await expect(strict.getHost('edge-ssrf')).rejects.toMatchObject({
        name: 'NotFoundError',
      });
    });

    it('registers an allowed name and checks it again before each connection', async () => {
      await strict.registerHost(
        request('edge-public', { url: 'https://edge.example.com:6443' }),
      );
      await expect(strict.getConnection('edge-public')).resolves.toMatchObject({
        server: 'https://edge.example.com:6443',
      });
      // The name now resolves inward (DNS rebinding): no connection.
      dns['edge.example.com'] = ['10.1.2.3'];
      try {
        await expect(strict.getConnection('edge-public')).rejects.toThrow(
          /resolves to 10\.1\.2\.3, a private address/,
        );
      } finally {
        dns['edge.example.com'] = ['203.0.113.10'];
        await strict.deleteHost('edge-public');
      }
    });

    it('refuses connections to hosts registered under looser rules', async () => {
      // edge-1 was registered at 127.0.0.1 under the development rules.
      await expect(strict.getConnection('edge-1')).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining(
          "no mec.hosts.outbound.allow rule matches host '127.0.0.1'",
        ),
      });
    });

    it('refuses to start with a static host the rules refuse', async () => {
      await expect(
        EdgeHostService.fromConfig(
          staticConfig([
            {
              name: 'config-ssrf',
              url: 'https://169.254.169.254',
              authProvider: 'serviceAccount',
              serviceAccountToken: TOKEN,
            },
          ]),
          { knex, logger, drivers, usage, outboundPolicy },
        ),
      ).rejects.toThrow(
        "Invalid edge host 'config-ssrf' in mec.hosts.static: The edge host URL https://169.254.169.254 is not allowed: no mec.hosts.outbound.allow rule matches",
      );
    });
  });

  it('takes any registered driver, a module one too', async () => {
    expect(
      await service.registerHost(request('edge-k', { driver: 'kustomize' })),
    ).toMatchObject({ driver: 'kustomize' });
    expect(
      await service.updateHost('edge-k', { driver: 'helm' }),
    ).toMatchObject({ driver: 'helm' });
    await expect(
      service.updateHost('edge-k', { driver: 'nomad' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        "Unknown driver 'nomad': the registered drivers are flux, helm, kustomize",
    });
    await service.deleteHost('edge-k');
  });

  it('fails at startup on a config host naming an unregistered driver', async () => {
    await expect(
      EdgeHostService.fromConfig(
        staticConfig([
          {
            name: 'config-edge',
            url: 'https://127.0.0.1:7443',
            authProvider: 'serviceAccount',
            serviceAccountToken: TOKEN,
            driver: 'kubectl',
          },
        ]),
        { knex, logger, drivers, usage },
      ),
    ).rejects.toThrow(
      "Invalid edge host 'config-edge' in mec.hosts.static: Unknown driver 'kubectl': the registered drivers are flux, helm, kustomize",
    );
  });

  it('warns at startup of API hosts whose driver is no longer registered', async () => {
    await service.registerHost(request('edge-gone', { driver: 'kustomize' }));
    const warned = mockServices.logger.mock();
    await EdgeHostService.fromConfig(
      staticConfig([
        {
          name: 'config-edge',
          url: 'https://127.0.0.1:7443',
          authProvider: 'clientCertificate',
          clientCertData: 'Y2VydA==',
          clientKeyData: 'a2V5LXNlY3JldA==',
          driver: 'flux',
          labels: { 'topology.kubernetes.io/zone': 'zone-a' },
          location: { site: 'munich', latitude: 48.1, longitude: 11.6 },
          namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
        },
      ]),
      { knex, logger: warned, drivers: { ids: () => ['flux', 'helm'] }, usage },
    );
    expect(warned.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        "Edge host 'edge-gone' names driver 'kustomize', which is not registered (registered: flux, helm)",
      ),
    );
    await service.deleteHost('edge-gone');
  });

  it('updates settings of API hosts, not of config hosts', async () => {
    const updated = await service.updateHost('edge-1', {
      driver: 'flux',
      labels: { 'topology.kubernetes.io/zone': 'zone-b' },
      location: { zone: 'zone-b' },
      namespacePolicy: { mode: 'perInstance', prefix: 'apps-' },
      title: 'Edge one',
    });
    expect(updated).toMatchObject({
      driver: 'flux',
      labels: { 'topology.kubernetes.io/zone': 'zone-b' },
      location: { zone: 'zone-b' },
      namespacePolicy: { mode: 'perInstance', prefix: 'apps-' },
      title: 'Edge one',
    });
    expect(
      (await service.updateHost('edge-1', { title: null })).title,
    ).toBeUndefined();
    await expect(
      service.updateHost('edge-1', { driver: 'nope' }),
    ).rejects.toMatchObject({ name: 'InputError' });
    await expect(
      service.updateHost('config-edge', { driver: 'helm' }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    await expect(
      service.updateHost('missing', { driver: 'helm' }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('tells listeners of hosts registered, changed and deleted, not of refusals', async () => {
    const changed: string[] = [];
    service.onHostChanged(name => changed.push(name));
    await service.registerHost(request('edge-7'));
    await service.updateHost('edge-7', { title: 'Seven' });
    await expect(
      service.updateHost('edge-7', { driver: 'nope' }),
    ).rejects.toThrow();
    await service.deleteHost('edge-7');
    expect(changed).toEqual(['edge-7', 'edge-7', 'edge-7']);
  });

  it('tells whether a namespace is one the policy gives to instances', async () => {
    await service.registerHost(
      request('edge-8', {
        namespacePolicy: { mode: 'fixed', namespace: 'apps' },
      }),
    );
    await expect(
      service.isAppInstanceNamespace('edge-8', 'apps'),
    ).resolves.toBe(true);
    await expect(
      service.isAppInstanceNamespace('edge-8', 'default'),
    ).resolves.toBe(false);
    await service.updateHost('edge-8', {
      namespacePolicy: { mode: 'perInstance', prefix: 'mec-' },
    });
    const instanceId = '0b6a5c0e-3f7d-4c1a-9d2e-6a1f0c9b8e7d';
    await expect(
      service.isAppInstanceNamespace('edge-8', `mec-${instanceId}`),
    ).resolves.toBe(true);
    for (const namespace of [
      'mec-42',
      'mec-',
      `me-${instanceId}`,
      `mec-${instanceId}x`,
    ]) {
      await expect(
        service.isAppInstanceNamespace('edge-8', namespace),
      ).resolves.toBe(false);
    }
    await service.updateHost('edge-8', {
      namespacePolicy: { mode: 'perInstance', prefix: 'k' },
    });
    await expect(
      service.isAppInstanceNamespace('edge-8', 'kube-system'),
    ).resolves.toBe(false);
    await service.deleteHost('edge-8');
  });

  it('derives namespaces from the policy', async () => {
    const uuid = '0c8f4a9e-3b1d-4c55-9f0e-6a7b8c9d0e1f';
    expect(await service.namespaceFor('edge-1', uuid)).toBe(`apps-${uuid}`);
    expect(await service.namespaceFor('config-edge', uuid)).toBe('edge-apps');
    await service.updateHost('edge-1', {
      namespacePolicy: { mode: 'perInstance' },
    });
    expect(await service.namespaceFor('edge-1', 'Inst_ABC')).toBe(
      'mec-inst-abc',
    );
  });

  it('lists as healthy only hosts recently found reachable with Ready nodes', async () => {
    await service.registerHost(request('edge-2'));
    await service.registerHost(request('edge-3'));
    const now = new Date();
    await service.recordStatus('edge-1', {
      reachable: true,
      readyNodes: 3,
      totalNodes: 3,
      checkedAt: now,
    });
    await service.recordStatus('edge-2', {
      reachable: false,
      error: 'unreachable',
      checkedAt: now,
    });
    await service.recordStatus('edge-3', {
      reachable: true,
      readyNodes: 3,
      totalNodes: 3,
      checkedAt: new Date(now.getTime() - 10 * 60_000),
    });
    expect((await service.listHealthy()).map(h => h.name)).toEqual(['edge-1']);
  });

  it('announces changes of reachability once, concurrent checks included', async () => {
    const changes: Array<{ hostName: string; reachable: boolean }> = [];
    service.onReachabilityChanged(change => changes.push(change));
    await service.registerHost(request('edge-flaky'));
    const check = (reachable: boolean, second: number) =>
      service.recordStatus('edge-flaky', {
        reachable,
        ...(reachable ? { readyNodes: 1 } : { error: 'unreachable' }),
        checkedAt: new Date(Date.UTC(2026, 11, 1, 6, 0, second)),
      });
    // A new host found reachable is no news; then two checks at once (as
    // from two replicas) find it unreachable: one change.
    await check(true, 0);
    await check(true, 1);
    await Promise.all([check(false, 2), check(false, 3)]);
    await check(false, 4);
    await check(true, 5);
    await check(true, 6);
    expect(changes).toEqual([
      { hostName: 'edge-flaky', reachable: false },
      { hostName: 'edge-flaky', reachable: true },
    ]);
    // A host never reached is news on its first check.
    await service.registerHost(request('edge-dark'));
    await service.recordStatus('edge-dark', {
      reachable: false,
      error: 'unreachable',
      checkedAt: new Date(),
    });
    expect(changes.at(-1)).toEqual({ hostName: 'edge-dark', reachable: false });
    await service.deleteHost('edge-flaky');
    await service.deleteHost('edge-dark');
  });

  it('deletes unused API hosts only', async () => {
    instancesByHost = { 'edge-2': 2 };
    await expect(service.deleteHost('edge-2')).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('2 application instance(s)'),
    });
    await expect(service.deleteHost('config-edge')).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    await service.deleteHost('edge-3');
    await expect(service.getHost('edge-3')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(service.deleteHost('edge-3')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('removes config hosts dropped from config at the next start', async () => {
    await EdgeHostService.fromConfig(staticConfig([]), {
      knex,
      logger,
      drivers,
      usage,
    });
    await expect(service.getHost('config-edge')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect((await service.listHosts()).every(h => h.source === 'api')).toBe(
      true,
    );
  });

  it('fails at startup when the key is missing or wrong', async () => {
    await expect(
      EdgeHostService.fromConfig(new ConfigReader({}), {
        knex,
        logger,
        drivers,
        usage,
      }),
    ).rejects.toThrow(
      /mec.encryptionKeys is not configured, but 2 edge host\(s\)/,
    );
    await expect(
      EdgeHostService.fromConfig(
        new ConfigReader({
          mec: { hosts: { encryptionKey: 'a different passphrase here' } },
        }),
        { knex, logger, drivers, usage },
      ),
    ).rejects.toThrow(
      /mec.hosts.encryptionKey cannot decrypt the stored credential of edge host 'edge-1'/,
    );
  });

  it('refuses to register without a key', async () => {
    const store = EdgeHostStore.create({ knex });
    await knex('edge_hosts').delete();
    const keyless = await EdgeHostService.create({
      store,
      logger,
      drivers,
      usage,
    });
    await expect(keyless.registerHost(request('edge-9'))).rejects.toMatchObject(
      {
        name: 'ServiceUnavailableError',
        message: expect.stringContaining('mec.encryptionKeys'),
      },
    );
  });
});

describe('readStaticHosts', () => {
  it('reads serviceAccount hosts in the Kubernetes plugin style', () => {
    expect(
      readStaticHosts(
        new ConfigReader({
          mec: {
            hosts: {
              static: [
                {
                  name: 'edge-1',
                  url: 'https://127.0.0.1:6443',
                  caData: 'Q0E=',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: TOKEN,
                },
              ],
            },
          },
        }),
      ),
    ).toEqual([
      expect.objectContaining({
        name: 'edge-1',
        caData: 'Q0E=',
        driver: 'helm',
        credential: { type: 'serviceAccountToken', token: TOKEN },
      }),
    ]);
  });

  it('refuses an unknown authProvider', () => {
    expect(() =>
      readStaticHosts(
        new ConfigReader({
          mec: {
            hosts: {
              static: [{ name: 'x', url: 'https://x', authProvider: 'oidc' }],
            },
          },
        }),
      ),
    ).toThrow(/authProvider must be serviceAccount or clientCertificate/);
  });
});

it('derives a key from base64 key material too', () => {
  expect(
    CredentialCipher.fromKey(Buffer.alloc(32, 7).toString('base64')),
  ).toBeDefined();
});

describe.each(databases.eachSupportedId())(
  "EdgeHostService mirroring a MEPM's hosts on %p",
  id => {
    let knex: Awaited<ReturnType<typeof databases.init>>;
    let service: EdgeHostService;
    const logger = mockServices.logger.mock();
    let instancesByHost: Record<string, number> = {};
    const usage = {
      countByHost: async (name: string) => instancesByHost[name] ?? 0,
    };
    const changed: string[] = [];
    const reported = (name: string, zone = 'far') => ({
      name,
      url: 'https://10.0.0.1:6443',
      credentialType: 'serviceAccountToken' as const,
      labels: { 'topology.kubernetes.io/zone': zone },
      location: { site: 'site-far' },
      namespacePolicy: { mode: 'perInstance' as const },
      status: {
        reachable: true,
        readyNodes: 1,
        totalNodes: 1,
        checkedAt: new Date(),
      },
    });

    beforeAll(async () => {
      knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      service = await EdgeHostService.fromConfig(staticConfig([]), {
        knex,
        logger,
        drivers: { ids: () => ['helm', 'mepm'] },
        usage,
      });
      service.onHostChanged(name => changed.push(name));
      await service.registerHost(request('edge-local'));
    });

    it('mirrors reported hosts and leaves out taken, invalid and repeated names', async () => {
      const leftOut = await service.mirrorMepmHosts('mepm-a', [
        reported('edge-a1'),
        reported('edge-local'),
        reported('Not_A_Name'),
        reported('edge-a1'),
      ]);
      expect(leftOut).toEqual([
        {
          name: 'edge-local',
          reason: 'the name is taken by an edge host of this MEO (source api)',
        },
        { name: 'Not_A_Name', reason: expect.stringMatching(/Invalid/) },
        { name: 'edge-a1', reason: 'reported twice' },
      ]);
      expect(await service.getHost('edge-a1')).toMatchObject({
        source: 'mepm',
        mepm: 'mepm-a',
        driver: 'mepm',
        labels: { 'topology.kubernetes.io/zone': 'far' },
        status: { reachable: true, readyNodes: 1 },
      });
      expect((await service.listHealthy()).map(h => h.name)).toContain(
        'edge-a1',
      );
      expect(
        await service.mirrorMepmHosts('mepm-b', [reported('edge-a1')]),
      ).toEqual([
        {
          name: 'edge-a1',
          reason: "the name is taken by a host of MEPM 'mepm-a'",
        },
      ]);
      // The MEO neither connects to it nor lets it be changed here.
      await expect(service.getConnection('edge-a1')).rejects.toMatchObject({
        name: 'NotAllowedError',
      });
      await expect(
        service.updateHost('edge-a1', { labels: {} }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringContaining("MEPM 'mepm-a'"),
      });
      await expect(service.deleteHost('edge-a1')).rejects.toMatchObject({
        name: 'ConflictError',
      });
      await expect(
        service.registerHost(request('edge-x', { driver: 'mepm' })),
      ).rejects.toMatchObject({ name: 'InputError' });
      expect(service.listDrivers()).toEqual(['helm']);
    });

    it('announces changed settings only, and starts again without a key for them', async () => {
      changed.length = 0;
      await service.mirrorMepmHosts('mepm-a', [reported('edge-a1')]);
      expect(changed).toEqual([]);
      await service.mirrorMepmHosts('mepm-a', [reported('edge-a1', 'near')]);
      expect(changed).toEqual(['edge-a1']);
      expect((await service.getHost('edge-a1')).labels).toEqual({
        'topology.kubernetes.io/zone': 'near',
      });
      await knex('edge_hosts').where({ name: 'edge-local' }).delete();
      await expect(
        EdgeHostService.fromConfig(new ConfigReader({}), {
          knex,
          logger,
          drivers: { ids: () => ['helm'] },
          usage,
        }),
      ).resolves.toBeDefined();
    });

    it('makes hosts unhealthy, retires unreported ones unless used, and removes them with their MEPM', async () => {
      await service.mirrorMepmHosts('mepm-a', [
        reported('edge-a1'),
        reported('edge-a2'),
        reported('edge-a3'),
      ]);
      await service.markMepmHostsUnreachable('mepm-a', 'MEPM gone');
      expect((await service.getHost('edge-a2')).status).toMatchObject({
        reachable: false,
        error: 'MEPM gone',
      });
      expect(await service.listHealthy()).toEqual([]);

      instancesByHost = { 'edge-a3': 1 };
      await service.mirrorMepmHosts('mepm-a', [reported('edge-a1')]);
      await expect(service.getHost('edge-a2')).rejects.toMatchObject({
        name: 'NotFoundError',
      });
      expect((await service.getHost('edge-a3')).status).toMatchObject({
        reachable: false,
        error: "no longer reported by MEPM 'mepm-a'",
      });
      expect(await service.countMepmInstances('mepm-a')).toBe(1);
      await expect(service.removeMepmHosts('mepm-a')).rejects.toMatchObject({
        name: 'ConflictError',
      });
      instancesByHost = {};
      await service.removeMepmHosts('mepm-a');
      expect(await service.listHosts()).toEqual([]);
    });
  },
);
