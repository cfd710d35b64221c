import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** A real notification consumer: an HTTP server on 127.0.0.1 answering 204. */
export interface NotificationSubscriber {
  callbackUri: string;
  /** Every notification body received, in order. */
  received: any[];
  /** Waits until a received notification satisfies `predicate`. */
  waitFor(
    predicate: (notification: any) => boolean,
    timeoutMs?: number,
  ): Promise<any>;
  stop(): Promise<void>;
}

export async function startNotificationSubscriber(): Promise<NotificationSubscriber> {
  const received: any[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    callbackUri: `http://127.0.0.1:${port}/notifications`,
    received,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `no such notification; received ${JSON.stringify(received)}`,
          );
        }
        await new Promise(r => setTimeout(r, 50));
      }
    },
    stop: () =>
      new Promise<void>(r => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
