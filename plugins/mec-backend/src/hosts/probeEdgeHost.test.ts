import { createServer, Server, Socket } from 'node:net';
import { probeEdgeHost } from './probeEdgeHost';

const TOKEN = 'probe-test-token-3e4f5a6b7c8d';
const connection = (server: string) => ({
  name: 'edge-x',
  server,
  credential: { type: 'serviceAccountToken' as const, token: TOKEN },
});

describe('probeEdgeHost', () => {
  it('reports a refused connection as unreachable, readably', async () => {
    const status = await probeEdgeHost(connection('https://127.0.0.1:1'), {
      timeoutMs: 5000,
    });
    expect(status).toEqual({
      reachable: false,
      checkedAt: expect.any(Date),
      error: 'connection refused by https://127.0.0.1:1',
    });
  });

  describe('against a server that never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];
    let port: number;

    beforeAll(async () => {
      server = createServer(socket => sockets.push(socket));
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      port = (server.address() as { port: number }).port;
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
        error: `no answer from https://127.0.0.1:${port} within 1 s`,
      });
      expect(JSON.stringify(status)).not.toContain(TOKEN);
    });
  });
});
