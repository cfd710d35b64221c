import http, { IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';

/** A request a test subscriber received. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP notification consumer on 127.0.0.1 for tests. Answers 204
 * unless `respond` says otherwise; can go down and come back on its port.
 */
export class TestSubscriber {
  static async start(): Promise<TestSubscriber> {
    const subscriber = new TestSubscriber();
    await subscriber.listen(0);
    return subscriber;
  }

  readonly received: ReceivedRequest[] = [];
  respond: (request: ReceivedRequest) => {
    status: number;
    body?: string;
    headers?: Record<string, string>;
  } = () => ({ status: 204 });
  private server: http.Server | undefined;
  private portNumber = 0;

  private constructor() {}

  get port(): number {
    return this.portNumber;
  }

  url(path = '/notifications'): string {
    return `http://127.0.0.1:${this.portNumber}${path}`;
  }

  /** Notification bodies received on `path`, parsed. */
  bodies(path = '/notifications'): any[] {
    return this.received
      .filter(r => r.path === path)
      .map(r => JSON.parse(r.body));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  }

  /** Comes back on the same port after {@link TestSubscriber.stop}. */
  async restart(): Promise<void> {
    await this.listen(this.portNumber);
  }

  private async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', chunk => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = {
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.received.push(request);
        const answer = this.respond(request);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.portNumber = (server.address() as AddressInfo).port;
  }
}
