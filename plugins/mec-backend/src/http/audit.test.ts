import {
  AuditorService,
  AuditorServiceCreateEventOptions,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { mecPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/databases';
import { auditEntryFor } from './audit';

jest.setTimeout(120_000);

describe('auditEntryFor', () => {
  it('names the resource kind, the operation and the resource id', () => {
    expect(
      auditEntryFor('PUT', '/app_pkgm/v1/app_packages/p%201/package_content'),
    ).toEqual({
      eventId: 'app-package',
      severityLevel: 'medium',
      meta: { action: 'upload-content', method: 'PUT', resourceId: 'p 1' },
    });
    expect(
      auditEntryFor('DELETE', '/app_pkgm/v1/onboarded_app_packages/appd-1'),
    ).toEqual({
      eventId: 'app-package',
      severityLevel: 'high',
      meta: { action: 'delete', method: 'DELETE', resourceId: 'appd-1' },
    });
    expect(
      auditEntryFor('POST', '/app_lcm/v1/app_instances/i-1/terminate'),
    ).toMatchObject({
      eventId: 'app-instance',
      severityLevel: 'high',
      meta: { action: 'terminate', resourceId: 'i-1' },
    });
    expect(
      auditEntryFor('POST', '/app_lcm/v1/app_lcm_op_occs/o-1/retry'),
    ).toMatchObject({
      eventId: 'app-lcm-op-occ',
      meta: { action: 'retry', resourceId: 'o-1' },
    });
    expect(
      auditEntryFor('DELETE', '/app_lcm/v1/subscriptions/s-1'),
    ).toMatchObject({
      eventId: 'subscription',
      severityLevel: 'high',
      meta: { action: 'unsubscribe', resourceId: 's-1' },
    });
    expect(auditEntryFor('POST', '/granting/v1/grants')).toMatchObject({
      eventId: 'grant',
      meta: { action: 'request' },
    });
    expect(auditEntryFor('POST', '/hosts/edge-1/check')).toMatchObject({
      eventId: 'edge-host',
      meta: { action: 'check', resourceId: 'edge-1' },
    });
  });

  it('leaves reads and the read-only proxy and chart repository alone', () => {
    expect(auditEntryFor('GET', '/app_pkgm/v1/app_packages')).toBeUndefined();
    expect(auditEntryFor('HEAD', '/hosts')).toBeUndefined();
    expect(
      auditEntryFor('POST', '/kubernetes-proxy/edge-1/api/v1/pods'),
    ).toBeUndefined();
    expect(auditEntryFor('PUT', '/helm-repository/index.yaml')).toBeUndefined();
  });

  it('records changes that no route takes', () => {
    expect(auditEntryFor('PUT', '/app_lcm/v1/app_instances')).toEqual({
      eventId: 'unrouted-change',
      severityLevel: 'medium',
      meta: { action: 'put', method: 'PUT' },
    });
  });
});

interface RecordedEvent extends AuditorServiceCreateEventOptions {
  outcome?: { status: 'succeeded' | 'failed'; meta?: object; error?: Error };
}

/** An auditor that keeps every event and its outcome. */
function recordingAuditor(events: RecordedEvent[]): AuditorService {
  return {
    async createEvent(options) {
      const event: RecordedEvent = { ...options };
      events.push(event);
      return {
        async success(params) {
          event.outcome = { status: 'succeeded', meta: params?.meta };
        },
        async fail(params) {
          event.outcome = {
            status: 'failed',
            meta: params.meta,
            error: params.error,
          };
        },
      };
    },
  };
}

const databases = createTestDatabases();
const MEC = '/api/mec';

// External MEO/OSS callers are services; no permission applies to them.
const asService = mockCredentials.service.header({
  onBehalfOf: mockCredentials.service('external:mec-api-client'),
  targetPluginId: 'mec',
});

describe.each(databases.eachSupportedId())('auditing on %p', databaseId => {
  let server: Parameters<typeof request>[0];
  const events: RecordedEvent[] = [];

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.database.factory({ knex }),
        mockServices.auditor.mock(recordingAuditor(events)).factory,
        // Portal users are refused every change; services are not asked.
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
        mockServices.rootConfig.factory({
          data: {
            mec: {
              apiRoot: 'http://meo.example.com/api/mec',
              hosts: { encryptionKey: 'audit-test-passphrase-0123456789' },
              clients: [
                {
                  subject: 'external:mec-api-client',
                  allow: ['mm1', 'mec.host.register'],
                },
              ],
            },
          },
        }),
      ],
    });
    server = backend.server;
  });

  beforeEach(() => {
    events.length = 0;
  });

  /** The events, once every response has had its outcome recorded. */
  async function recorded(count: number): Promise<RecordedEvent[]> {
    for (let i = 0; i < 100 && events.some(e => !e.outcome); i++) {
      await new Promise(r => setTimeout(r, 20));
    }
    expect(events).toHaveLength(count);
    return events;
  }

  it('records a created package as a success, with the caller request', async () => {
    const res = await request(server)
      .post(`${MEC}/app_pkgm/v1/app_packages`)
      .set('Authorization', asService)
      .send({
        appPkgName: 'audited',
        appPkgVersion: '0.1.0',
        checksum: { algorithm: 'SHA-256', hash: 'a'.repeat(64) },
      });
    expect(res.status).toBe(201);
    const [event] = await recorded(1);
    expect(event).toMatchObject({
      eventId: 'app-package',
      severityLevel: 'medium',
      meta: { action: 'create', method: 'POST' },
      outcome: { status: 'succeeded', meta: { status: 201 } },
    });
    // The auditor resolves who called from the request itself.
    expect(event.request?.headers.authorization).toBe(asService);
    // Nothing of the request body is recorded.
    expect(JSON.stringify(event.meta)).not.toContain('audited');
  });

  it('records a delete of an unknown package as a 404 failure', async () => {
    const res = await request(server)
      .delete(`${MEC}/app_pkgm/v1/app_packages/no-such-package`)
      .set('Authorization', asService);
    expect(res.status).toBe(404);
    const [event] = await recorded(1);
    expect(event).toMatchObject({
      eventId: 'app-package',
      severityLevel: 'high',
      meta: {
        action: 'delete',
        method: 'DELETE',
        resourceId: 'no-such-package',
      },
      outcome: { status: 'failed', meta: { status: 404, title: 'Not Found' } },
    });
    expect(event.outcome?.error?.message).toBe('404 Not Found');
  });

  it('records a refused host registration without its credential', async () => {
    const token = 'secret-token-'.repeat(3);
    const res = await request(server)
      .post(`${MEC}/hosts`)
      .set('Authorization', asService)
      .send({
        name: 'edge-audit',
        url: 'https://edge.example.com:6443',
        credential: { type: 'serviceAccountToken', token },
        extra: true,
      });
    expect(res.status).toBe(400);
    const [event] = await recorded(1);
    expect(event).toMatchObject({
      eventId: 'edge-host',
      meta: { action: 'register', method: 'POST' },
      outcome: {
        status: 'failed',
        meta: { status: 400, title: 'Bad Request' },
      },
    });
    expect(JSON.stringify(event.meta)).not.toContain(token);
    expect(JSON.stringify(event.outcome)).not.toContain(token);
  });

  it('records changes refused by the permission framework', async () => {
    const res = await request(server)
      .post(`${MEC}/app_lcm/v1/app_instances/i-1/terminate`)
      .set('Authorization', mockCredentials.user.header())
      .send({ terminationType: 'FORCEFUL' });
    expect(res.status).toBe(403);
    const [event] = await recorded(1);
    expect(event).toMatchObject({
      eventId: 'app-instance',
      severityLevel: 'high',
      meta: { action: 'terminate', resourceId: 'i-1' },
      outcome: { status: 'failed', meta: { status: 403, title: 'Forbidden' } },
    });
  });

  it('records no reads', async () => {
    const res = await request(server)
      .get(`${MEC}/app_pkgm/v1/app_packages`)
      .set('Authorization', asService);
    expect(res.status).toBe(200);
    await recorded(0);
  });
});
