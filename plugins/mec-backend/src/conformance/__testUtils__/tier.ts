import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mecPermissions } from '@helmmec/plugin-mec-common';
import { Knex } from 'knex';
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { mecPlugin } from '../../plugin';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import { CaseResult, writeTierPart } from './report';

type Spec = Parameters<typeof expectConformingResponse>[0];

/** What a conformance case states beyond the suite's own text. */
export interface CaseOptions {
  /**
   * Set where the suite contradicts ETSI GS MEC 010-2 V3.1.1: one line
   * saying what the suite expects and what the spec says. The test then
   * asserts the spec.
   */
  spec?: string;
  /** An adaptation of the suite's mechanics that keeps its meaning. */
  note?: string;
}

/**
 * The verdicts of one tier (one robot file, one role) on one database.
 * Returns `record(options, fn)`, which wraps the body of a jest test named
 * `'<TC id> <title>'` and records the case's verdict under that TC id;
 * after the tier's last case its part of the report is written (see
 * ./report.ts).
 */
export function conformanceTier(meta: {
  tier: string;
  suite: string;
  role: string;
  database: string;
}) {
  const results: CaseResult[] = [];
  afterAll(() => writeTierPart({ ...meta, results }));

  return function record(
    options: CaseOptions,
    fn: () => Promise<void>,
  ): () => Promise<void> {
    return async () => {
      const name = expect.getState().currentTestName ?? '';
      const tcId = /\bTC_MEC_\S+/.exec(name)?.[0];
      if (!tcId) {
        throw new Error(`A conformance test is named by its TC id: '${name}'`);
      }
      try {
        await fn();
      } catch (error) {
        results.push({
          tcId,
          verdict: 'failed',
          reason: summarize(error),
          note: options.spec,
        });
        throw error;
      }
      results.push({
        tcId,
        verdict: options.spec ? 'judged by the spec' : 'passed',
        reason: options.spec,
        note: options.note,
      });
    };
  };
}

/** A response as the cases look at it. */
export interface ConformanceResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, when the response is JSON. */
  body: any;
  raw: Buffer;
}

/** The static token of the conformance client (`Authorization: Bearer …`). */
export const CONFORMANCE_TOKEN = 'conformance-client-token-7d1e4b9a2c6f';

/**
 * A started backend (the MEC plugin with Backstage's real authentication, as
 * packages/backend runs it) that the conformance cases call over HTTP.
 * Every response is checked against our OpenAPI document for the operation.
 */
export async function startConformanceBackend(options: {
  knex: Knex;
  role?: 'combined' | 'meo' | 'mepm';
}) {
  const backend = await startTestBackend({
    features: [
      mecPlugin,
      authServiceFactory,
      httpAuthServiceFactory,
      mockServices.database.factory({ knex: options.knex }),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            auth: {
              externalAccess: [
                {
                  type: 'static',
                  options: {
                    token: CONFORMANCE_TOKEN,
                    subject: 'etsi-conformance',
                  },
                  accessRestrictions: [{ plugin: 'mec' }],
                },
              ],
            },
          },
          mec: {
            ...(options.role ? { role: options.role } : {}),
            clients: [
              {
                subject: 'etsi-conformance',
                allow: mecPermissions.map(p => p.name),
              },
            ],
            // The suite's notification server is local.
            outbound: { allow: [{ host: '127.0.0.1' }] },
          },
        },
      }),
    ],
  });
  const port = (backend.server.address() as AddressInfo).port;

  /**
   * Sends a request under `/api/mec` with the suite's headers and the
   * conformance token, and checks the response against `spec` for the
   * operation `template` (the path as the OpenAPI document writes it).
   */
  async function call(
    spec: Spec,
    method: string,
    template: string,
    path: string,
    request: {
      headers?: Record<string, string>;
      json?: unknown;
      body?: Buffer;
    } = {},
  ): Promise<ConformanceResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${CONFORMANCE_TOKEN}`,
      accept: 'application/json',
      ...request.headers,
    };
    let payload = request.body;
    if (request.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = Buffer.from(JSON.stringify(request.json));
    }
    const response = await send(
      port,
      method,
      `/api/mec${path}`,
      headers,
      payload,
    );
    expectConformingResponse(spec, { method, path: template }, response);
    return response;
  }

  return { port, call, stop: () => backend.stop() };
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<ConformanceResponse> {
  return new Promise((resolvePromise, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...headers,
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          const isJson = /[/+]json\b/.test(
            String(res.headers['content-type'] ?? ''),
          );
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            // Files are not text; an undeclared body is, to be seen as one.
            text: isJson || !res.headers['content-type'] ? text : '',
            body: isJson && text ? JSON.parse(text) : undefined,
            raw,
          });
        });
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** A failure in one line: jest's matcher message without colours. */
function summarize(error: unknown): string {
  return (
    String((error as Error)?.message ?? error)
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      .map(line => line.trim())
      .filter(line => line && !line.startsWith('//'))
      .slice(0, 3)
      .join(' ')
      .replace(/expect\(received\)\.\w+\(expected\)\s*/, '')
      .slice(0, 300)
  );
}
