import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseIp } from './addresses';
import {
  OutboundFetchError,
  OutboundUrlError,
  OutboundUrlPolicy,
} from './OutboundUrlPolicy';

// Fake DNS so that the tests do not depend on the network.
const dns: Record<string, string[]> = {
  'charts.example.com': ['93.184.216.34'],
  'evil.example.com': ['10.0.0.5'],
  'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
  'intranet.corp': ['10.20.0.7'],
  'registry.example.org': ['93.184.216.35'],
  localhost: ['127.0.0.1'],
};
const lookup = async (host: string) => {
  const answers = dns[host];
  if (!answers) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return answers.map(a => parseIp(a)!);
};

describe('OutboundUrlPolicy.check', () => {
  const policy = OutboundUrlPolicy.fromConfig(
    new ConfigReader({
      mec: {
        outbound: {
          allow: [
            { host: '*.example.com', schemes: ['https', 'oci'] },
            { host: 'registry.example.org', ports: [5000] },
            { host: '10.20.0.0/16', schemes: ['http'] },
          ],
        },
      },
    }),
    { lookup },
  );
  const check = (url: string, purpose: 'package' | 'callback' = 'package') =>
    policy.check(url, { purpose });

  it('allows a listed host with a public address', async () => {
    const url = await check('https://charts.example.com/a-1.0.0.tgz');
    expect(url.toString()).toBe('https://charts.example.com/a-1.0.0.tgz');
    await expect(check('oci://charts.example.com/mec/a')).resolves.toBeTruthy();
  });

  it('refuses hosts, schemes and ports no rule lists', async () => {
    await expect(check('https://example.net/x')).rejects.toThrow(
      /no mec.outbound.allow rule matches host 'example.net'/,
    );
    await expect(check('http://charts.example.com/x')).rejects.toThrow(
      /scheme http/,
    );
    await expect(check('https://example.com/x')).rejects.toThrow(
      OutboundUrlError,
    );
    await expect(check('http://registry.example.org/v2/')).rejects.toThrow(
      /port 80/,
    );
    await expect(check('ftp://charts.example.com/x')).rejects.toThrow(
      /http, https or oci/,
    );
    await expect(check('not a url')).rejects.toThrow(/not a valid URL/);
    await expect(
      check('https://user:pw@charts.example.com/x', 'callback'),
    ).rejects.toThrow(/The callback URI must not contain credentials/);
  });

  it('refuses an allowed name that resolves to a private address', async () => {
    const error = await check(
      'https://evil.example.com/hook',
      'callback',
    ).catch(e => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.name).toBe('InputError');
    expect(error.message).toBe(
      'The callback URI https://evil.example.com resolves to 10.0.0.5, a private address; such addresses are only used when mec.outbound.allow names them or mec.outbound.allowPrivateNetworks is set',
    );
    await expect(check('https://mixed.example.com/')).rejects.toThrow(
      /127.0.0.1, a loopback address/,
    );
  });

  it('allows private addresses named by an IP or CIDR rule, by literal or by name', async () => {
    await expect(check('http://10.20.3.4:8080/hook')).resolves.toBeTruthy();
    await expect(check('http://intranet.corp/hook')).resolves.toBeTruthy();
    await expect(check('http://10.21.0.1/hook')).rejects.toThrow(
      /no mec.outbound.allow rule/,
    );
  });

  it('refuses loopback, link-local and mapped addresses given as literals', async () => {
    const open = OutboundUrlPolicy.create({
      allow: [{ host: '*.example.com' }, { host: 'localhost' }],
      lookup,
    });
    await expect(
      open.check('http://localhost:7007/', { purpose: 'callback' }),
    ).rejects.toThrow(/loopback/);
    const everything = OutboundUrlPolicy.create({
      allow: [{ host: '0.0.0.0/0' }, { host: '::/0' }],
      lookup,
    });
    for (const url of [
      'http://127.0.0.1/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://0.0.0.0/',
      'http://224.0.0.1/',
      'http://2130706433/',
      'http://[::127.0.0.1]/',
      'http://[2002:7f00:1::1]/',
      'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
      'http://[64:ff9b:1::a9fe:a9fe]/',
      'http://[fec0::1]/',
    ]) {
      await expect(
        everything.check(url, { purpose: 'package' }),
      ).rejects.toThrow(OutboundUrlError);
    }
    await expect(
      everything.check('http://93.184.216.34/', { purpose: 'package' }),
    ).resolves.toBeTruthy();
  });

  it('allows private networks when configured to', async () => {
    const dev = OutboundUrlPolicy.create({
      allow: [{ host: 'localhost' }],
      allowPrivateNetworks: true,
      lookup,
    });
    await expect(
      dev.check('http://localhost:7007/', { purpose: 'callback' }),
    ).resolves.toBeTruthy();
  });

  it('reads another rule set, such as mec.hosts.outbound, and names it', async () => {
    const hostsPolicy = OutboundUrlPolicy.fromConfig(
      new ConfigReader({
        mec: {
          outbound: { allow: [{ host: '*.example.com' }] },
          hosts: { outbound: { allow: [{ host: 'intranet.corp' }] } },
        },
      }),
      { key: 'mec.hosts.outbound', lookup },
    );
    await expect(
      hostsPolicy.check('https://charts.example.com', { purpose: 'edgeHost' }),
    ).rejects.toThrow(
      "The edge host URL https://charts.example.com is not allowed: no mec.hosts.outbound.allow rule matches host 'charts.example.com'",
    );
    await expect(
      hostsPolicy.check('https://intranet.corp:6443', { purpose: 'edgeHost' }),
    ).rejects.toThrow(
      'resolves to 10.20.0.7, a private address; such addresses are only used when mec.hosts.outbound.allow names them or mec.hosts.outbound.allowPrivateNetworks is set',
    );
    const unresolved = await hostsPolicy
      .check('https://nowhere.invalid', { purpose: 'edgeHost' })
      .catch(e => e);
    expect(unresolved.reason).toBe('refused');
  });

  it('falls back to default rules only when the rule set is absent', async () => {
    const defaultAllow = [{ host: '127.0.0.1' }];
    const absent = OutboundUrlPolicy.fromConfig(new ConfigReader({}), {
      key: 'mec.hosts.outbound',
      defaultAllow,
      lookup,
    });
    await expect(
      absent.check('https://127.0.0.1:6443', { purpose: 'edgeHost' }),
    ).resolves.toBeTruthy();
    const empty = OutboundUrlPolicy.fromConfig(
      new ConfigReader({ mec: { hosts: { outbound: { allow: [] } } } }),
      { key: 'mec.hosts.outbound', defaultAllow, lookup },
    );
    await expect(
      empty.check('https://127.0.0.1:6443', { purpose: 'edgeHost' }),
    ).rejects.toThrow(/no mec\.hosts\.outbound\.allow rule/);
  });

  it('tells an unresolvable name from a refused one', async () => {
    const error = await policy
      .check('https://gone.example.com', { purpose: 'package' })
      .catch(e => e);
    expect(error).toBeInstanceOf(OutboundUrlError);
    expect(error.reason).toBe('unresolvable');
  });

  it('rejects malformed rules at startup', () => {
    expect(() =>
      OutboundUrlPolicy.create({
        allow: [{ host: 'http://x.com' }],
        configKey: 'mec.hosts.outbound',
      }),
    ).toThrow(/^mec\.hosts\.outbound\.allow: .* neither a host name/);
    expect(() =>
      OutboundUrlPolicy.create({ allow: [{ host: 'http://x.com' }] }),
    ).toThrow(/neither a host name/);
    expect(() =>
      OutboundUrlPolicy.create({ allow: [{ host: '10.0.0.0/33' }] }),
    ).toThrow(/neither a host name/);
  });
});

describe('OutboundUrlPolicy.fetch', () => {
  let server: http.Server;
  let base: string;
  const handlers: Record<
    string,
    (req: IncomingMessage, res: ServerResponse) => void
  > = {
    '/hello': (_req, res) => res.end('hello'),
    '/redirect': (_req, res) => {
      res.writeHead(302, { location: '/hello' });
      res.end();
    },
    '/redirect-away': (_req, res) => {
      res.writeHead(302, {
        location: 'http://169.254.169.254/latest/meta-data',
      });
      res.end();
    },
    '/loop': (_req, res) => {
      res.writeHead(307, { location: '/loop' });
      res.end();
    },
    '/big-declared': (_req, res) => {
      res.writeHead(200, { 'content-length': '2048' });
      res.end(Buffer.alloc(2048));
    },
    '/big-streamed': (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(600));
      setTimeout(() => res.end(Buffer.alloc(600)), 20);
    },
    '/slow': () => {
      // never answers
    },
    '/slow-body': (_req, res) => {
      res.writeHead(200);
      res.write('partial');
    },
    '/echo': (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () =>
        res.end(
          JSON.stringify({
            method: req.method,
            type: req.headers['content-type'],
            body: Buffer.concat(chunks).toString(),
          }),
        ),
      );
    },
  };

  beforeAll(async () => {
    server = http.createServer((req, res) =>
      (handlers[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(
        req,
        res,
      ),
    );
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  const policy = OutboundUrlPolicy.create({
    allow: [{ host: '127.0.0.1', schemes: ['http'] }],
  });

  it('fetches an allowed URL and follows checked redirects', async () => {
    const res = await policy.fetch(`${base}/redirect`);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${base}/hello`);
    expect(await res.text()).toBe('hello');
  });

  it('sends a request body', async () => {
    const res = await policy.fetch(
      `${base}/echo`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      },
      { purpose: 'callback' },
    );
    expect(await res.json()).toEqual({
      method: 'POST',
      type: 'application/json',
      body: '{"a":1}',
    });
  });

  it('refuses a redirect to a host the rules do not allow', async () => {
    await expect(policy.fetch(`${base}/redirect-away`)).rejects.toThrow(
      /169.254.169.254/,
    );
    await expect(policy.fetch(`${base}/loop`)).rejects.toThrow(
      OutboundFetchError,
    );
    const manual = await policy.fetch(`${base}/redirect`, undefined, {
      maxRedirects: 0,
    });
    expect(manual.status).toBe(302);
  });

  it('refuses the initial URL before connecting', async () => {
    await expect(policy.fetch('http://127.0.0.2:1/')).rejects.toThrow(
      OutboundUrlError,
    );
  });

  it('caps the body size, declared or streamed', async () => {
    await expect(
      policy.fetch(`${base}/big-declared`, undefined, { maxBytes: 1024 }),
    ).rejects.toMatchObject({ reason: 'too-large' });
    const res = await policy.fetch(`${base}/big-streamed`, undefined, {
      maxBytes: 1024,
    });
    await expect(res.arrayBuffer()).rejects.toMatchObject({
      reason: 'too-large',
    });
  });

  it('times out without an answer or a complete body', async () => {
    await expect(
      policy.fetch(`${base}/slow`, undefined, { timeoutMs: 200 }),
    ).rejects.toMatchObject({ name: 'OutboundFetchError', reason: 'timeout' });
    const res = await policy.fetch(`${base}/slow-body`, undefined, {
      timeoutMs: 200,
    });
    await expect(res.text()).rejects.toMatchObject({ reason: 'timeout' });
  });

  it("stops on the caller's signal, before an answer or during the body", async () => {
    const stopping = new AbortController();
    const fetching = policy.fetch(`${base}/slow`, undefined, {
      signal: stopping.signal,
    });
    stopping.abort(new Error('stopping'));
    await expect(fetching).rejects.toThrow('stopping');
    const cut = new AbortController();
    const res = await policy.fetch(`${base}/slow-body`, undefined, {
      signal: cut.signal,
    });
    cut.abort(new Error('lease lost'));
    await expect(res.text()).rejects.toThrow('lease lost');
    const gone = new AbortController();
    gone.abort(new Error('already stopped'));
    await expect(
      policy.fetch(`${base}/hello`, undefined, { signal: gone.signal }),
    ).rejects.toThrow('already stopped');
  });

  it("reuses an origin's verdict when asked, over a caller's kept-alive agent", async () => {
    const lookups: string[] = [];
    const named = OutboundUrlPolicy.create({
      allow: [{ host: 'localhost', schemes: ['http'] }],
      allowPrivateNetworks: true,
      lookup: async host => {
        lookups.push(host);
        return lookup(host);
      },
    });
    const local = base.replace('127.0.0.1', 'localhost');
    const sockets = new Set<unknown>();
    const count = (req: IncomingMessage) => {
      if (req.headers.host?.startsWith('localhost')) sockets.add(req.socket);
    };
    server.on('request', count);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const path of ['/hello', '/echo', '/hello']) {
        const res = await named.fetch(
          `${local}${path}`,
          {},
          { reuseVerdictMs: 60_000, agent },
        );
        expect(res.url).toBe(`${local}${path}`);
        await res.text();
      }
      expect(lookups).toEqual(['localhost']);
      // One connection, kept alive between requests.
      expect(sockets.size).toBe(1);
      // Every URL is still checked for its own form.
      await expect(
        named.fetch(
          `http://user:pw@localhost:${new URL(base).port}/hello`,
          {},
          {
            reuseVerdictMs: 60_000,
          },
        ),
      ).rejects.toBeInstanceOf(OutboundUrlError);
      // Without reuse, each request resolves and checks again.
      await (await named.fetch(`${local}/hello`)).text();
      expect(lookups).toHaveLength(2);
    } finally {
      server.off('request', count);
      agent.destroy();
    }
  });

  it('reports a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(r => closed.close(r));
    await expect(
      policy.fetch(`http://127.0.0.1:${port}/`),
    ).rejects.toMatchObject({
      reason: 'network',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
