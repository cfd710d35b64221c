import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROBE_FAILURES, probeEdgeHost } from './probeEdgeHost';

const TOKEN = 'probe-test-token-3e4f5a6b7c8d';
const connection = (server: string, caData?: string) => ({
  name: 'edge-x',
  server,
  ...(caData ? { caData } : {}),
  credential: { type: 'serviceAccountToken' as const, token: TOKEN },
});

function listen(server: Server): Promise<number> {
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve((server.address() as { port: number }).port),
    ),
  );
}

/** A certificate for 127.0.0.1, made with openssl for the test only. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'helmmec-probe-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The first probe loads @kubernetes/client-node, slow on a loaded machine.
jest.setTimeout(30_000);

describe('probeEdgeHost', () => {
  it('reports a refused connection as unreachable, the detail for the log only', async () => {
    const details: string[] = [];
    // A bound well above the client-node import a first probe waits for.
    const status = await probeEdgeHost(connection('https://127.0.0.1:1'), {
      timeoutMs: 20_000,
      onFailure: detail => details.push(detail),
    });
    expect(status).toEqual({
      reachable: false,
      checkedAt: expect.any(Date),
      error: PROBE_FAILURES.unreachable,
    });
    expect(details).toEqual(['connection refused by https://127.0.0.1:1']);
  });

  describe('against a server that never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];
    let port: number;

    beforeAll(async () => {
      server = createServer(socket => sockets.push(socket));
      port = await listen(server);
    });

    afterAll(async () => {
      sockets.forEach(s => s.destroy());
      await new Promise(resolve => server.close(resolve));
    });

    it('gives up within the timeout', async () => {
      const started = Date.now();
      const status = await probeEdgeHost(
        connection(`https://127.0.0.1:${port}`),
        { timeoutMs: 1000 },
      );
      expect(Date.now() - started).toBeLessThan(3000);
      expect(status).toMatchObject({
        reachable: false,
        error: PROBE_FAILURES.timeout,
      });
      expect(JSON.stringify(status)).not.toContain(TOKEN);
    });
  });

  describe('against servers that are not Kubernetes API servers', () => {
    const SECRET_BANNER = 'metadata-service-v1 ami-id instance-id';
    const { key, cert } = selfSignedCertificate();
    const caData = Buffer.from(cert).toString('base64');
    const servers: Server[] = [];
    const answer =
      (status: number, body: string, type = 'text/plain') =>
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      };
    const start = async (server: Server) => {
      servers.push(server);
      return `https://127.0.0.1:${await listen(server)}`;
    };

    afterAll(async () => {
      await Promise.all(
        servers.map(s => new Promise(resolve => s.close(resolve))),
      );
    });

    it.each<[string, () => Server, boolean, string]>([
      [
        'a plain HTTP server',
        () => http.createServer(answer(200, SECRET_BANNER)),
        true,
        PROBE_FAILURES.tls,
      ],
      [
        'an untrusted certificate',
        () => https.createServer({ key, cert }, answer(200, SECRET_BANNER)),
        false,
        PROBE_FAILURES.tls,
      ],
      [
        'a text answer',
        () => https.createServer({ key, cert }, answer(200, SECRET_BANNER)),
        true,
        PROBE_FAILURES.notKubernetes,
      ],
      [
        'a JSON answer without gitVersion',
        () =>
          https.createServer(
            { key, cert },
            answer(
              200,
              JSON.stringify({ banner: SECRET_BANNER }),
              'application/json',
            ),
          ),
        true,
        PROBE_FAILURES.notKubernetes,
      ],
      [
        'an HTTP error with a message',
        () =>
          https.createServer(
            { key, cert },
            answer(
              404,
              JSON.stringify({ message: SECRET_BANNER }),
              'application/json',
            ),
          ),
        true,
        PROBE_FAILURES.notKubernetes,
      ],
      [
        'a refused credential',
        () =>
          https.createServer(
            { key, cert },
            answer(
              401,
              JSON.stringify({ message: SECRET_BANNER }),
              'application/json',
            ),
          ),
        true,
        PROBE_FAILURES.unauthorized,
      ],
    ])(
      'keeps a fixed reason for %s, never what answered',
      async (_, create, trusted, reason) => {
        const server = await start(create());
        const details: string[] = [];
        const status = await probeEdgeHost(
          connection(server, trusted ? caData : undefined),
          { timeoutMs: 5000, onFailure: detail => details.push(detail) },
        );
        expect(status).toEqual({
          reachable: false,
          checkedAt: expect.any(Date),
          error: reason,
        });
        expect(details).toHaveLength(1);
        expect(details[0]).not.toContain(TOKEN);
      },
    );
  });
});
