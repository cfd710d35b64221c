import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { IncomingMessage } from 'node:http';
import https from 'node:https';
import { LookupFunction } from 'node:net';
import { IpAddress, IpRange, parseIp, specialRangeOf } from './addresses';

/**
 * Why the MEO calls out: to download a package, to notify a subscriber or
 * to reach an edge host's Kubernetes API.
 */
export type OutboundPurpose = 'package' | 'callback' | 'edgeHost' | 'mecPeer';

const PURPOSE_WORDS: Record<OutboundPurpose, string> = {
  package: 'The URL',
  callback: 'The callback URI',
  edgeHost: 'The edge host URL',
  mecPeer: 'The MEC API root',
};

/** URL schemes an allow rule can name. */
export type OutboundScheme = 'http' | 'https' | 'oci';

const SCHEMES: readonly OutboundScheme[] = ['http', 'https', 'oci'];
const DEFAULT_PORTS: Record<OutboundScheme, number> = {
  http: 80,
  https: 443,
  oci: 443,
};

/** One entry of `mec.outbound.allow`. */
export interface OutboundAllowRule {
  /** `example.com`, `*.example.com` (subdomains only), an IP address or a CIDR block. */
  host: string;
  /** Allowed ports; any port when absent. */
  ports?: number[];
  /** Allowed schemes; http, https and oci when absent. */
  schemes?: OutboundScheme[];
}

/** Options of {@link OutboundUrlPolicy.create}. */
export interface OutboundUrlPolicyOptions {
  allow: OutboundAllowRule[];
  /**
   * The config key the rules come from, named in refusals and rule errors;
   * default `mec.outbound`.
   */
  configKey?: string;
  /** Let allowed host names resolve to loopback, link-local, private and other internal addresses. */
  allowPrivateNetworks?: boolean;
  /** Host name resolution; `dns.lookup` by default, replaceable in tests. */
  lookup?: (hostname: string) => Promise<IpAddress[]>;
}

/** Limits of {@link OutboundUrlPolicy.fetch}. */
export interface OutboundFetchOptions {
  /** Checked against the policy for this purpose; default `package`. */
  purpose?: OutboundPurpose;
  /** For the whole exchange including the body; default 30 s. */
  timeoutMs?: number;
  /** Largest accepted response body; default 16 MiB. */
  maxBytes?: number;
  /** Redirects followed (each hop checked); default 5, 0 returns the 3xx response. */
  maxRedirects?: number;
  /**
   * Check the URL as if it had this scheme, e.g. `oci` for the HTTP API
   * calls of an OCI registry named by an `oci://` reference.
   */
  checkAsScheme?: OutboundScheme;
  /** Cuts the exchange short, body included, with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Pools connections (keep-alive), e.g. one agent per callback origin; by
   * default each request opens a fresh connection. Every request is still
   * checked, and new sockets still connect only to the approved addresses.
   */
  agent?: http.Agent;
  /**
   * Reuse an allowed origin's verdict (its checked addresses) for this
   * long instead of resolving and checking it again on every request; for
   * hot paths such as notification delivery. Default 0 (check every time).
   */
  reuseVerdictMs?: number;
}

/** The request part of {@link OutboundUrlPolicy.fetch}. */
export interface OutboundRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * A URL refused by `mec.outbound`. Named `InputError` so that the HTTP layer
 * answers 400 with the message as ProblemDetails detail.
 *
 * @public
 */
export class OutboundUrlError extends InputError {
  constructor(
    message: string,
    /**
     * `unresolvable` when the host name has no address (perhaps for a
     * while); `refused` when the URL or an address it resolves to is not
     * allowed.
     */
    readonly reason: 'refused' | 'unresolvable' = 'refused',
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** Why an allowed outbound request failed. */
export type OutboundFetchFailure =
  | 'timeout'
  | 'too-large'
  | 'network'
  | 'too-many-redirects';

/**
 * An allowed outbound request that did not complete: timeout, body over the
 * size cap, connection failure or a redirect loop.
 *
 * @public
 */
export class OutboundFetchError extends Error {
  constructor(readonly reason: OutboundFetchFailure, message: string) {
    super(message);
    this.name = 'OutboundFetchError';
  }
}

interface CompiledRule {
  text: string;
  name?: string;
  suffix?: string;
  range?: IpRange;
  ports?: Set<number>;
  schemes: Set<OutboundScheme>;
}

interface CheckedUrl {
  url: URL;
  scheme: OutboundScheme;
  port: number;
  /** The addresses the check approved; connections go only to these. */
  addresses: IpAddress[];
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Decides which URLs the MEO may fetch (`appPkgPath`) or call
 * (`callbackUri`), and performs such requests without letting a redirect or
 * a DNS answer lead elsewhere (server-side request forgery).
 *
 * A URL is allowed when an allow rule matches its scheme, port and host;
 * then every address its host resolves to must be public, unless
 * `allowPrivateNetworks` is set or an IP/CIDR rule names the address.
 *
 * @public
 */
export class OutboundUrlPolicy {
  /**
   * Reads `mec.outbound` (see config.d.ts), or the rule set at `key` in the
   * same format (`mec.hosts.outbound`); without it `defaultAllow` applies,
   * by default nothing is allowed.
   */
  static fromConfig(
    config: Config,
    options?: Pick<OutboundUrlPolicyOptions, 'lookup'> & {
      key?: string;
      defaultAllow?: OutboundAllowRule[];
    },
  ): OutboundUrlPolicy {
    const key = options?.key ?? 'mec.outbound';
    const outbound = config.getOptionalConfig(key);
    if (!outbound && options?.defaultAllow) {
      return OutboundUrlPolicy.create({
        allow: options.defaultAllow,
        configKey: key,
        lookup: options.lookup,
      });
    }
    const allow = (outbound?.getOptionalConfigArray('allow') ?? []).map(
      rule => ({
        host: rule.getString('host'),
        ports: rule.getOptional<number[]>('ports'),
        schemes: rule.getOptionalStringArray('schemes') as
          | OutboundScheme[]
          | undefined,
      }),
    );
    return OutboundUrlPolicy.create({
      allow,
      allowPrivateNetworks: outbound?.getOptionalBoolean(
        'allowPrivateNetworks',
      ),
      configKey: key,
      lookup: options?.lookup,
    });
  }

  static create(options: OutboundUrlPolicyOptions): OutboundUrlPolicy {
    const configKey = options.configKey ?? 'mec.outbound';
    return new OutboundUrlPolicy(
      options.allow.map(rule => compileRule(rule, configKey)),
      options.allowPrivateNetworks ?? false,
      options.lookup ?? defaultLookup,
      configKey,
    );
  }

  /** Recently approved origins, for `reuseVerdictMs`; refusals are not kept. */
  private readonly verdicts = new Map<
    string,
    { checked: CheckedUrl; until: number }
  >();

  private constructor(
    private readonly rules: CompiledRule[],
    private readonly allowPrivateNetworks: boolean,
    private readonly lookup: (hostname: string) => Promise<IpAddress[]>,
    private readonly configKey: string,
  ) {}

  /**
   * Checks a URL against the rules, resolving its host name.
   *
   * @returns the parsed URL
   * @throws OutboundUrlError (HTTP 400) when the URL is not allowed
   */
  async check(
    url: string | URL,
    options: { purpose: OutboundPurpose },
  ): Promise<URL> {
    return (await this.checkUrl(url, options.purpose)).url;
  }

  /**
   * Performs an HTTP(S) request to an allowed URL. Connections go only to
   * the addresses the check approved, redirects are followed one checked
   * hop at a time, and the response body is streamed with a size cap.
   *
   * @returns a standard Response whose body errors with OutboundFetchError past `maxBytes` or the timeout
   * @throws OutboundUrlError when the URL or a redirect target is not allowed, OutboundFetchError when the request fails
   */
  async fetch(
    url: string | URL,
    init: OutboundRequestInit = {},
    options: OutboundFetchOptions = {},
  ): Promise<Response> {
    const purpose = options.purpose ?? 'package';
    const timeoutMs = options.timeoutMs ?? 30_000;
    const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    const maxRedirects = options.maxRedirects ?? 5;

    const abort = new AbortController();
    const timer = setTimeout(
      () =>
        abort.abort(
          new OutboundFetchError(
            'timeout',
            `No complete answer within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    timer.unref?.();
    const signal = options.signal
      ? AbortSignal.any([abort.signal, options.signal])
      : abort.signal;

    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    let headers = { ...init.headers };
    let current: string | URL = url;
    try {
      for (let hop = 0; ; hop++) {
        const target = await this.checkUrlCached(
          current,
          purpose,
          options.checkAsScheme,
          options.reuseVerdictMs ?? 0,
        );
        const response = await sendRequest(
          target,
          { method, headers, body },
          signal,
          options.agent,
        );
        const location = response.headers.location;
        if (
          maxRedirects > 0 &&
          REDIRECT_STATUSES.has(response.statusCode ?? 0) &&
          location
        ) {
          response.resume();
          if (hop >= maxRedirects) {
            throw new OutboundFetchError(
              'too-many-redirects',
              `More than ${maxRedirects} redirects from ${target.url.origin}`,
            );
          }
          const next = new URL(location, target.url);
          // As browsers do: 303, and 301/302 after POST, turn into a GET.
          const status = response.statusCode;
          if (
            (status === 303 && method !== 'HEAD') ||
            ((status === 301 || status === 302) && method === 'POST')
          ) {
            method = 'GET';
            body = undefined;
            headers = withoutHeaders(headers, [
              'content-type',
              'content-length',
            ]);
          }
          // Credentials meant for one origin must not travel to another.
          if (next.origin !== target.url.origin) {
            headers = withoutHeaders(headers, ['authorization', 'cookie']);
          }
          current = next;
          continue;
        }
        return toResponse(response, target.url, maxBytes, signal, () =>
          clearTimeout(timer),
        );
      }
    } catch (error) {
      clearTimeout(timer);
      if (signal.aborted) throw signal.reason;
      throw error;
    }
  }

  /** {@link OutboundUrlPolicy.checkUrl}, reusing an origin's recent approval. */
  private async checkUrlCached(
    input: string | URL,
    purpose: OutboundPurpose,
    checkAsScheme: OutboundScheme | undefined,
    reuseMs: number,
  ): Promise<CheckedUrl> {
    const url = reuseMs > 0 && URL.canParse(String(input)) && new URL(input);
    if (!url) return this.checkUrl(input, purpose, checkAsScheme);
    const key = `${purpose} ${checkAsScheme ?? ''} ${url.origin}`;
    const now = Date.now();
    const cached = this.verdicts.get(key);
    // URLs with credentials are refused by the full check.
    if (cached && cached.until > now && !url.username && !url.password) {
      return { ...cached.checked, url };
    }
    const checked = await this.checkUrl(url, purpose, checkAsScheme);
    if (this.verdicts.size > 1000) this.verdicts.clear();
    this.verdicts.set(key, { checked, until: now + reuseMs });
    return checked;
  }

  private async checkUrl(
    input: string | URL,
    purpose: OutboundPurpose,
    checkAsScheme?: OutboundScheme,
  ): Promise<CheckedUrl> {
    const what = PURPOSE_WORDS[purpose];
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new OutboundUrlError(`${what} '${input}' is not a valid URL`);
    }
    const ownScheme = url.protocol.replace(/:$/, '') as OutboundScheme;
    if (!SCHEMES.includes(ownScheme)) {
      throw new OutboundUrlError(
        `${what} must use http, https or oci, not '${url.protocol}'`,
      );
    }
    if (url.username || url.password) {
      throw new OutboundUrlError(
        `${what} must not contain credentials; use the subscription's authentication instead`,
      );
    }
    const scheme = checkAsScheme ?? ownScheme;
    const origin = `${url.protocol}//${url.host}`;
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[ownScheme];
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');

    const candidates = this.rules.filter(
      rule => rule.schemes.has(scheme) && (!rule.ports || rule.ports.has(port)),
    );
    const notAllowed = () =>
      new OutboundUrlError(
        `${what} ${origin} is not allowed: no ${this.configKey}.allow rule matches host '${host}', port ${port} and scheme ${scheme}`,
      );

    const literal = parseIp(host);
    const nameAllowed =
      !literal && candidates.some(rule => matchesName(rule, host));
    const ipRules = candidates.filter(rule => rule.range);
    if (!nameAllowed && ipRules.length === 0) throw notAllowed();

    let addresses: IpAddress[];
    if (literal) {
      addresses = [literal];
    } else {
      try {
        addresses = await this.lookup(host);
      } catch (error) {
        throw new OutboundUrlError(
          `${what} ${origin} cannot be resolved: ${(error as Error).message}`,
          'unresolvable',
        );
      }
      if (addresses.length === 0) {
        throw new OutboundUrlError(
          `${what} ${origin} cannot be resolved`,
          'unresolvable',
        );
      }
    }

    const namedByIpRule = (ip: IpAddress) =>
      ipRules.some(rule => rule.range!.contains(ip));
    if (!nameAllowed && !addresses.every(namedByIpRule)) throw notAllowed();
    for (const ip of addresses) {
      const special = specialRangeOf(ip);
      if (!special || this.allowPrivateNetworks) continue;
      // A rule names a special address only when it is at least as narrow
      // as the special range: 10.0.0.0/8 names 10.1.2.3, 0.0.0.0/0 does not.
      const named = ipRules.some(
        rule =>
          rule.range!.contains(ip) && rule.range!.prefix >= special.prefix,
      );
      if (!named) {
        throw new OutboundUrlError(
          `${what} ${origin} resolves to ${ip.address}, a ${special.kind} address; such addresses are only used when ${this.configKey}.allow names them or ${this.configKey}.allowPrivateNetworks is set`,
        );
      }
    }
    return { url, scheme, port, addresses };
  }
}

function compileRule(rule: OutboundAllowRule, configKey: string): CompiledRule {
  const text = rule.host.trim().toLowerCase();
  const schemes = new Set<OutboundScheme>(rule.schemes ?? SCHEMES);
  for (const scheme of schemes) {
    if (!SCHEMES.includes(scheme)) {
      throw new Error(
        `${configKey}.allow: unknown scheme '${scheme}' for host '${rule.host}'`,
      );
    }
  }
  const ports = rule.ports ? new Set(rule.ports) : undefined;
  const range = IpRange.parse(text);
  if (range) return { text, range, ports, schemes };
  if (text.startsWith('*.') && isHostName(text.slice(2))) {
    return { text, suffix: text.slice(1), ports, schemes };
  }
  if (isHostName(text)) return { text, name: text, ports, schemes };
  throw new Error(
    `${configKey}.allow: '${rule.host}' is neither a host name, '*.domain', an IP address nor a CIDR block`,
  );
}

function isHostName(text: string): boolean {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(
    text,
  );
}

function matchesName(rule: CompiledRule, host: string): boolean {
  const name = host.toLowerCase();
  if (rule.name) return rule.name === name;
  if (rule.suffix) return name.endsWith(rule.suffix);
  return false;
}

async function defaultLookup(hostname: string): Promise<IpAddress[]> {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers
    .map(answer => parseIp(answer.address))
    .filter((ip): ip is IpAddress => ip !== undefined);
}

function withoutHeaders(
  headers: Record<string, string>,
  names: string[],
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([key]) => !names.includes(key.toLowerCase()),
    ),
  );
}

/** A DNS lookup that answers only with the approved addresses. */
function pinnedLookup(addresses: IpAddress[]): LookupFunction {
  const entries = addresses.map(ip => ({
    address: ip.address,
    family: ip.family === 'ipv4' ? 4 : 6,
  }));
  return ((_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as any)(null, entries);
    } else {
      callback(null, entries[0].address, entries[0].family);
    }
  }) as LookupFunction;
}

function sendRequest(
  target: CheckedUrl,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array;
  },
  signal: AbortSignal,
  agent?: http.Agent,
): Promise<IncomingMessage> {
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(init.body));
  }
  return new Promise((resolve, reject) => {
    const request = client.request(
      {
        protocol: url.protocol === 'https:' ? 'https:' : 'http:',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        path: `${url.pathname}${url.search}`,
        method: init.method,
        headers,
        lookup: pinnedLookup(target.addresses),
        // By default a fresh connection per request: a pooled socket could
        // outlive a policy change, and subscribers that restart would reset
        // it. Callers that pool keep their agents' sockets short-lived.
        agent: agent ?? false,
        signal,
      },
      resolve,
    );
    request.on('error', error => {
      reject(
        signal.aborted
          ? signal.reason
          : new OutboundFetchError(
              'network',
              `Could not reach ${url.origin}: ${
                (error as NodeJS.ErrnoException).code ?? error.message
              }`,
            ),
      );
    });
    request.end(init.body);
  });
}

function toResponse(
  message: IncomingMessage,
  url: URL,
  maxBytes: number,
  signal: AbortSignal,
  done: () => void,
): Response {
  const status = message.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) {
      headers.append(name, item);
    }
  }
  const tooLarge = () =>
    new OutboundFetchError(
      'too-large',
      `The response from ${url.origin} is larger than ${maxBytes} bytes`,
    );
  const declared = Number(message.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    message.destroy();
    done();
    throw tooLarge();
  }

  let body: ReadableStream<Uint8Array> | null = null;
  if (NULL_BODY_STATUSES.has(status)) {
    message.resume();
    message.on('end', done);
    message.on('error', done);
  } else {
    let received = 0;
    let finished = false;
    const onAbort = () => message.destroy(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      finished = true;
      signal.removeEventListener('abort', onAbort);
      done();
    };
    body = new ReadableStream<Uint8Array>({
      start(controller) {
        message.on('data', (chunk: Buffer) => {
          if (finished) return;
          received += chunk.length;
          if (received > maxBytes) {
            finish();
            message.destroy();
            controller.error(tooLarge());
            return;
          }
          controller.enqueue(new Uint8Array(chunk));
          if ((controller.desiredSize ?? 1) <= 0) message.pause();
        });
        message.on('end', () => {
          if (finished) return;
          finish();
          controller.close();
        });
        message.on('error', error => {
          if (finished) return;
          finish();
          controller.error(
            signal.aborted
              ? signal.reason
              : new OutboundFetchError(
                  'network',
                  `The response from ${url.origin} broke off: ${error.message}`,
                ),
          );
        });
      },
      pull() {
        message.resume();
      },
      cancel() {
        finish();
        message.destroy();
      },
    });
  }
  const response = new Response(body, {
    status,
    statusText: message.statusMessage,
    headers,
  });
  Object.defineProperty(response, 'url', { value: url.toString() });
  return response;
}
