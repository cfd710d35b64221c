import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { MecClient } from '../MecClient';

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  contentType?: string;
  body: Buffer;
}

/** What a route answers: status, JSON body and headers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Route = (request: RecordedRequest) => Answer;

/**
 * A local HTTP server standing in for the mec plugin's API root, answering
 * per route (`METHOD /path`) what a test gives it, and recording requests.
 */
export class MecServer {
  readonly requests: RecordedRequest[] = [];
  private routes = new Map<string, Route>();
  private server?: http.Server;
  baseUrl = '';

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method!,
          path: req.url!.replace(/^\/api\/mec\//, ''),
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body: Buffer.concat(chunks),
        };
        this.requests.push(recorded);
        const route = this.routes.get(`${recorded.method} ${recorded.path}`);
        const answer: Answer = route
          ? route(recorded)
          : { status: 404, body: { title: 'Not Found', status: 404 } };
        res.statusCode = answer.status;
        for (const [name, value] of Object.entries(answer.headers ?? {})) {
          res.setHeader(name, value);
        }
        if (answer.body === undefined) {
          res.end();
          return;
        }
        res.setHeader(
          'content-type',
          answer.status >= 400
            ? 'application/problem+json'
            : 'application/json',
        );
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>(resolve =>
      this.server!.listen(0, '127.0.0.1', () => resolve()),
    );
    const { port } = this.server!.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/api/mec`;
  }

  stop() {
    return new Promise<void>(resolve => this.server!.close(() => resolve()));
  }

  reset() {
    this.requests.length = 0;
    this.routes.clear();
  }

  /** Answers `METHOD path` with the answers in turn, the last one repeated. */
  on(route: string, ...answers: Array<Answer | Route>) {
    let next = 0;
    this.routes.set(route, request => {
      const answer = answers[Math.min(next++, answers.length - 1)];
      return typeof answer === 'function' ? answer(request) : answer;
    });
  }

  /** A client reaching this server, with Backstage's mock auth. */
  client(): MecClient {
    return new MecClient({
      discovery: {
        getBaseUrl: async () => this.baseUrl,
        getExternalBaseUrl: async () => this.baseUrl,
      },
      auth: mockServices.auth(),
    });
  }
}

/** The user every test runs its template as. */
export const initiator = mockCredentials.user('user:default/dana');

/** The token the mec plugin must see: dana's, made for the mec plugin. */
export const initiatorToken = `Bearer ${mockCredentials.service.token({
  onBehalfOf: initiator,
  targetPluginId: 'mec',
})}`;

/** A mock action context run by {@link initiator}; its logger records. */
export function actionContext<TInput extends Record<string, any>>(
  input: TInput,
  workspacePath?: string,
) {
  const logger = mockServices.logger.mock();
  const ctx = createMockActionContext({ input, logger, workspacePath });
  ctx.getInitiatorCredentials = async () => initiator;
  const logs = () => logger.info.mock.calls.map(call => call[0]);
  return { ctx, logs };
}
