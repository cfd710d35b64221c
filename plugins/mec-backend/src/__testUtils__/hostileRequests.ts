/*
 * Generated hostile requests for the fuzz tier (../hostileInput.test.ts):
 * every path template of our OpenAPI documents, spelled oddly, with hostile
 * query strings, bodies and headers, from a seeded generator so that a
 * failure can be replayed with the seed the test prints.
 */
import { request as httpRequest } from 'node:http';
import { spec as appLcmSpec } from '../schema/openapi/generated/app_lcm';
import { spec as appPkgmSpec } from '../schema/openapi/generated/app_pkgm';
import { spec as grantingSpec } from '../schema/openapi/generated/granting';
import { spec as hostsSpec } from '../schema/openapi/generated/hosts';
import { spec as mepmsSpec } from '../schema/openapi/generated/mepms';

/** mulberry32: small, fast and the same on every machine. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Random = ReturnType<typeof seededRandom>;

type Spec = {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, any> };
};

/** Every operation of our OpenAPI documents, as mounted under /api/mec. */
export const OPERATIONS = (
  [
    ['/app_pkgm/v1', appPkgmSpec],
    ['/app_lcm/v1', appLcmSpec],
    ['/granting/v1', grantingSpec],
    ['', hostsSpec],
    ['', mepmsSpec],
  ] as Array<[string, Spec]>
).flatMap(([prefix, spec]) =>
  Object.entries(spec.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) =>
        ['get', 'post', 'put', 'patch', 'delete'].includes(method),
      )
      .map(([method, operation]) => ({
        spec,
        template: `${prefix}${template}`,
        method: method.toUpperCase(),
        bodySchema: resolve(
          spec,
          operation.requestBody?.content?.['application/json']?.schema,
        ),
      })),
  ),
);

// Paths outside the documents that the plugin serves as well.
const OTHER_TEMPLATES = [
  '/helm-repository/index.yaml',
  '/helm-repository/charts/{chart}',
  '/kubernetes-proxy/{name}/api/v1/namespaces',
  '/app_pkgm/v2/app_packages',
  '/{anything}',
];

function resolve(spec: Spec, schema: any): any {
  let resolved = schema;
  for (let i = 0; resolved?.$ref && i < 10; i++) {
    resolved = spec.components?.schemas?.[resolved.$ref.split('/').pop()];
  }
  return resolved;
}

/** One generated request; `path` is sent as is (no further encoding). */
export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** What the generator knows: real ids, and the credentials to vary. */
export interface HostileRequestContext {
  /** Ids of existing resources, so that some requests reach deep. */
  ids: string[];
  /** The valid bearer token of an allowed client. */
  token: string;
}

const ODD_IDS = [
  '..',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%00',
  'a%00b',
  '%ZZ',
  '%',
  '%C0%AF',
  '%F0%9F%92%A9',
  "x'%20OR%20'1'%3D'1",
  '%3Cscript%3E',
  '-1',
  '0',
  '9'.repeat(40),
  'NaN',
  'null',
  '__proto__',
  'constructor',
  'a'.repeat(300),
  'b'.repeat(6000),
  '%20',
  '~',
  '.',
  'a;b=c',
];

function fillPath(random: Random, template: string, ids: string[]): string {
  let path = template.replace(/\{[^}]+\}/g, () =>
    random.chance(0.4) && ids.length > 0
      ? encodeURIComponent(random.pick(ids))
      : random.pick(ODD_IDS),
  );
  // Odd spellings that Express may or may not route the same way.
  switch (random.int(8)) {
    case 0:
      path = path.toUpperCase();
      break;
    case 1:
      path = path.replace(/[a-z]/g, c =>
        random.chance(0.5) ? c.toUpperCase() : c,
      );
      break;
    case 2:
      path = `${path}/`;
      break;
    case 3:
      path = path.replace('/', '//');
      break;
    case 4:
      path = path.replace(/_/g, '%5F');
      break;
    case 5:
      path = `${path}/./`;
      break;
    default:
      break;
  }
  return path;
}

const FILTERS = [
  '(eq,appName,x)',
  '(eq,appName,x',
  '((((((((((((((((((((eq,id,1))))))))))))))))))))',
  `(in,id,${Array.from({ length: 800 }, (_, i) => i).join(',')})`,
  '(eq,,)',
  '(,,)',
  '(gt,createdAt,yesterday)',
  '(eq,_links/self/href/x/y/z,1)',
  '(eq,__proto__,1)',
  '(eq,constructor/prototype,1)',
  "(eq,appName,'unterminated)",
  '(cont,appName,%00)',
  '(eq,appName,a);(eq,appName,b);'.repeat(100),
  '(nonsense)',
  'eq,appName,x',
  '(eq,onboardingState,ONBOARDED,CREATED,extra)',
];

function hostileQuery(random: Random): string {
  const params: string[] = [];
  const n = random.int(4);
  for (let i = 0; i < n; i++) {
    params.push(
      random.pick<() => string>([
        () => `filter=${encodeURIComponent(random.pick(FILTERS))}`,
        () => `filter=${random.pick(FILTERS)}`,
        () => 'filter=a&filter=b',
        () => 'filter[eq]=x',
        () =>
          `fields=${random.pick([
            '',
            'x',
            '__proto__',
            'a/b/c',
            ','.repeat(50),
          ])}`,
        () => 'all_fields&exclude_default&fields=id&exclude_fields=id',
        () => 'exclude_fields=_links,_links,_links',
        () =>
          `nextpage_opaque_marker=${random.pick([
            '',
            'x',
            '%00',
            'eyJ9',
            'a'.repeat(4000),
          ])}`,
        () => `nextpage_opaque_marker[a]=1`,
        () => `x=${'y'.repeat(6000)}`,
        () => '__proto__[polluted]=1',
        () => 'constructor[prototype][polluted]=1',
        () => `a${'[b]'.repeat(50)}=1`,
        () => '%ZZ=1',
        () => '=&&&==',
      ])(),
    );
  }
  return params.length ? `?${params.join('&')}` : '';
}

const HOSTILE_VALUES: Array<(random: Random) => unknown> = [
  () => null,
  () => 0,
  () => -1,
  () => 1e308,
  () => true,
  () => '',
  () => 'a\u0000b',
  () => 'x'.repeat(300),
  () => 'y'.repeat(70_000),
  () => '\ud800',
  () => [],
  () => [null],
  () => [1, 'two', { three: 3 }],
  () => ({}),
  () => JSON.parse('{"__proto__":{"polluted":true}}'),
  () => ({ constructor: { prototype: { polluted: true } } }),
  () => 'http://169.254.169.254/latest/meta-data',
  () => 'file:///etc/passwd',
  () => '../../../../etc/passwd',
  () => '${jndi:ldap://x}',
  () => '2026-13-45T99:99:99Z',
  random => nested(random.pick([10, 31, 33, 200])),
];

function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

function plausible(random: Random, schema: any, depth = 0): unknown {
  if (!schema || depth > 4) return random.pick(HOSTILE_VALUES)(random);
  if (random.chance(0.25)) return random.pick(HOSTILE_VALUES)(random);
  switch (schema.type) {
    case 'string':
      if (schema.enum) return random.pick(schema.enum);
      if (schema.format === 'uri') return 'http://127.0.0.1:9/callback';
      return random.pick(['x', 'demo', '0.1.0', 'SHA-256']);
    case 'integer':
    case 'number':
      return random.pick([0, 1, 3]);
    case 'boolean':
      return random.chance(0.5);
    case 'array':
      return [plausible(random, schema.items, depth + 1)];
    default: {
      const object: Record<string, unknown> = {};
      for (const [key, property] of Object.entries<any>(
        schema.properties ?? {},
      )) {
        if (random.chance(0.7)) {
          object[key] = plausible(random, property, depth + 1);
        }
      }
      return object;
    }
  }
}

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'application/problem+json',
  'application/json; charset=utf-16',
];
const OTHER_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/zip',
  'application/gzip',
  ';;;',
];

function hostileBody(
  random: Random,
  bodySchema: any,
): { body?: Buffer; type?: string } {
  switch (random.int(8)) {
    case 0:
      return {};
    case 1:
      return {
        body: Buffer.from(
          random.pick([
            '{',
            '{"a":',
            '[1,2',
            'null',
            '"string"',
            '42',
            '{"a":"\\u0000"}',
            '\u0000\u0001\u0002',
            '{"a":1,"a":2}',
            `${'['.repeat(5000)}${']'.repeat(5000)}`,
            `{"__proto__":{"polluted":1},"constructor":{"prototype":{"p":1}}}`,
          ]),
        ),
        type: random.pick(JSON_TYPES),
      };
    case 2:
      return {
        body: Buffer.from(
          random.pick([
            '<a/>',
            'a=b&c=d',
            'PK\u0003\u0004junk',
            '\u001f\u008bjunk',
          ]),
        ),
        type: random.pick(OTHER_TYPES),
      };
    case 3:
      return {
        body: Buffer.from(
          JSON.stringify({
            big: 'z'.repeat(random.pick([200_000, 2_000_000])),
          }),
        ),
        type: 'application/json',
      };
    default:
      return {
        body: Buffer.from(JSON.stringify(plausible(random, bodySchema))),
        type: random.chance(0.9)
          ? 'application/json'
          : random.pick(OTHER_TYPES),
      };
  }
}

/** An unsigned JWT (alg none) claiming to be a user. */
function unsignedJwt(): string {
  const part = (o: object) =>
    Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'vnd.backstage.user' })}.${part({
    sub: 'user:default/admin',
    ent: ['user:default/admin'],
    exp: 4102444800,
  })}.`;
}

function hostileAuth(random: Random, token: string): string | undefined {
  return random.pick<() => string | undefined>([
    () => `Bearer ${token}`,
    () => `Bearer ${token}`,
    () => `Bearer ${token}`,
    () => `Bearer ${token}`,
    () => undefined,
    () => 'Bearer wrong-token',
    () => 'Bearer ',
    () => `bearer ${token}`,
    () => `Bearer ${token}x`,
    () => `Basic ${Buffer.from(`mec:${token}`).toString('base64')}`,
    () => `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    () => 'Basic %%%',
    () => `Bearer ${unsignedJwt()}`,
    () => `Bearer ${'a'.repeat(4000)}`,
  ])();
}

/** `count` hostile requests against the plugin mounted at `base` (e.g. /api/mec). */
export function generateHostileRequests(
  random: Random,
  count: number,
  base: string,
  context: HostileRequestContext,
): HostileRequest[] {
  const requests: HostileRequest[] = [];
  const templates = [
    ...OPERATIONS.map(o => ({
      template: o.template,
      method: o.method,
      bodySchema: o.bodySchema,
    })),
    ...OTHER_TEMPLATES.map(template => ({
      template,
      method: 'GET',
      bodySchema: undefined,
    })),
  ];
  for (let i = 0; i < count; i++) {
    // Every template once, then at random.
    const chosen = i < templates.length ? templates[i] : random.pick(templates);
    const method = random.chance(0.6)
      ? chosen.method
      : random.pick([
          'GET',
          'POST',
          'PUT',
          'PATCH',
          'DELETE',
          'HEAD',
          'OPTIONS',
          'TRACE',
          'PROPFIND',
        ]);
    const headers: Record<string, string> = {};
    const auth = hostileAuth(random, context.token);
    if (auth !== undefined) headers.authorization = auth;
    if (random.chance(0.5)) {
      headers.accept = random.pick([
        'application/json',
        'application/problem+json',
        'text/html',
        '*/*',
        'application/xml',
        ';;;',
        'application/json;q=abc',
        'text/plain',
        'application/zip',
      ]);
    }
    if (random.chance(0.2)) {
      headers.range = random.pick([
        'bytes=0-10',
        'bytes=999999999-',
        'bytes=-',
        'bytes=5-1',
        `bytes=${Array.from({ length: 200 }, (_, k) => `${k}-${k}`).join(',')}`,
        'lines=1-2',
      ]);
    }
    let body: Buffer | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      const hostile = hostileBody(random, chosen.bodySchema);
      body = hostile.body;
      if (hostile.type) headers['content-type'] = hostile.type;
    }
    requests.push({
      method,
      path: `${base}${fillPath(
        random,
        chosen.template,
        context.ids,
      )}${hostileQuery(random)}`,
      headers,
      body,
    });
  }
  return requests;
}

/** A response as far as the fuzz tier looks at it. */
export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/** Sends a request exactly as generated (raw path, any method). */
export function send(port: number, req: HostileRequest): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path,
        headers: {
          ...req.headers,
          ...(req.body ? { 'content-length': String(req.body.length) } : {}),
        },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/**
 * What is wrong with a response to a hostile request: a 5xx, a 4xx that
 * is not ProblemDetails with its status, or a body revealing a secret, a
 * stack trace or a file path.
 */
export function problemsWith(
  req: HostileRequest,
  res: RawResponse,
  secrets: string[],
): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  if (res.status >= 400 && res.status < 500 && req.method !== 'HEAD') {
    if (!res.contentType.startsWith('application/problem+json')) {
      problems.push(`${res.status} as ${res.contentType || 'no content type'}`);
    } else {
      try {
        const body = JSON.parse(res.text);
        if (body.status !== res.status) {
          problems.push(
            `${res.status} with ProblemDetails status ${body.status}`,
          );
        }
      } catch {
        problems.push(`${res.status} with a body that is not JSON`);
      }
    }
  }
  for (const secret of secrets) {
    if (res.text.includes(secret)) problems.push('a secret in the body');
  }
  if (/\n\s+at \S/.test(res.text) || /\\n\s+at \S/.test(res.text)) {
    problems.push('a stack trace in the body');
  }
  const path = /(\/work\/|node_modules|[\w-]\.ts\b)/.exec(res.text);
  if (path) problems.push(`a file path in the body (${path[0]})`);
  return problems;
}
