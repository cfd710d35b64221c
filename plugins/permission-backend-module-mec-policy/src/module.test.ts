import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import permissionModuleMecPolicy from '.';

jest.setTimeout(60_000);

const PULL_TOKEN = randomBytes(24).toString('base64url');

/**
 * The policy behind the permission plugin, as the backend runs it, deciding
 * for the mec plugin's users (the mock user info service gives each user
 * only their own ref as ownership ref).
 */
describe('the mec policy module with the permission and mec plugins', () => {
  let server: Parameters<typeof request>[0];

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [
        import('@backstage/plugin-permission-backend'),
        permissionModuleMecPolicy,
        // Only to start it beside the policy; nothing of it is used here.
        // eslint-disable-next-line @backstage/no-mixed-plugin-imports
        import('@helmmec/plugin-mec-backend'),
        mockServices.rootConfig.factory({
          data: {
            auth: { environment: 'production' },
            // What the mec plugin needs to start outside development.
            backend: {
              auth: {
                externalAccess: [
                  {
                    type: 'static',
                    options: { token: PULL_TOKEN, subject: 'mec-edge-pull' },
                    accessRestrictions: [{ plugin: 'mec' }],
                  },
                ],
              },
            },
            permission: { enabled: true },
            mec: {
              encryptionKeys: [
                { id: 'k1', secret: randomBytes(32).toString('base64') },
              ],
              helmRepository: { pullToken: PULL_TOKEN },
              permissions: {
                roles: {
                  viewer: ['user:default/vera'],
                  platformAdmin: ['user:default/ada'],
                },
              },
            },
          },
        }),
      ],
    }));
  });

  const as = (user: string) => `Bearer ${mockCredentials.user.token(user)}`;

  it('lets a viewer read and nothing more, and a user without a role nothing', async () => {
    const read = await request(server)
      .get('/api/mec/app_pkgm/v1/app_packages')
      .set('Authorization', as('user:default/vera'));
    expect(read.status).toBe(200);

    const onboard = await request(server)
      .post('/api/mec/app_pkgm/v1/app_packages')
      .set('Authorization', as('user:default/vera'))
      .send({});
    expect(onboard.status).toBe(403);
    expect(onboard.body.detail).toBe(
      'You do not hold permission mec.package.onboard',
    );

    const stranger = await request(server)
      .get('/api/mec/hosts')
      .set('Authorization', as('user:default/nobody'));
    expect(stranger.status).toBe(403);
  });

  it('lets a platform admin change hosts', async () => {
    const res = await request(server)
      .delete('/api/mec/hosts/no-such-host')
      .set('Authorization', as('user:default/ada'));
    expect(res.status).toBe(404);
  });
});
