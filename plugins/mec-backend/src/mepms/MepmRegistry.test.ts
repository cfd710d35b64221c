import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createTestDatabases } from '../__testUtils__/databases';
import { MepmStore } from '../database/MepmStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { EdgeHostService } from '../hosts';
import { OutboundUrlPolicy } from '../outbound';
import { SecretCipher } from '../secrets';
import { MepmNotificationHub } from './MepmNotificationHub';
import { MepmRegistry } from './MepmRegistry';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const KEY_A = { id: 'a', secret: 'mepm registry key a passphrase' };
const KEY_B = { id: 'b', secret: 'mepm registry key b passphrase' };

describe.each(databases.eachSupportedId())('MepmRegistry on %p', id => {
  let knex: Awaited<ReturnType<typeof databases.init>>;
  let hosts: EdgeHostService;
  const logger = mockServices.logger.mock();

  const registry = (
    cipher: SecretCipher | undefined,
    hub = new MepmNotificationHub(),
  ) =>
    new MepmRegistry({
      store: MepmStore.create({ knex }),
      hosts,
      cipher,
      outboundPolicy: OutboundUrlPolicy.create({
        allow: [{ host: '127.0.0.1' }],
        configKey: 'mec.mepms.outbound',
      }),
      hub,
      logger,
      apiRoot: async () => 'http://127.0.0.1:1/api/mec',
      // The MEPM below answers nothing: each call fails at once.
      timeoutMs: 2_000,
    });

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    hosts = await EdgeHostService.fromConfig(new ConfigReader({}), {
      knex,
      logger,
      drivers: { ids: () => ['helm'] },
      usage: { countByHost: async () => 0 },
    });
    // Port 1 on loopback: refused at once.
    await registry(SecretCipher.fromKeys([KEY_A])).registerMepm({
      name: 'mepm-a',
      apiRoot: 'http://127.0.0.1:1/api/mec',
      auth: { type: 'token', token: 'mepm-a-token-3f9c' },
    });
  });

  it('starts only with the key its MEPM credentials were stored with', async () => {
    await expect(
      registry(SecretCipher.fromKeys([KEY_A])).verifyStoredCredentials(),
    ).resolves.toBeUndefined();
    await expect(
      registry(SecretCipher.fromKeys([KEY_B, KEY_A])).verifyStoredCredentials(),
    ).resolves.toBeUndefined();
    await expect(
      registry(SecretCipher.fromKeys([KEY_B])).verifyStoredCredentials(),
    ).rejects.toThrow(/stored credentials of MEPM 'mepm-a'/);
    await expect(registry(undefined).verifyStoredCredentials()).rejects.toThrow(
      /mec.encryptionKeys is not configured, but 1 MEPM\(s\)/,
    );
    await expect(
      registry(undefined).registerMepm({
        name: 'mepm-b',
        apiRoot: 'http://127.0.0.1:1/api/mec',
        auth: { type: 'token', token: 't' },
      }),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
  });

  it('records an unreachable MEPM with the reason', async () => {
    const mepm = await registry(SecretCipher.fromKeys([KEY_A])).checkNow(
      'mepm-a',
    );
    expect(mepm.status).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/MEPM 'mepm-a' is unreachable/),
      hostCount: 0,
      subscribed: false,
    });
  });

  it('wakes waiters on the op occurrence a notification names', async () => {
    const hub = new MepmNotificationHub();
    const woken = hub.waitForChange('mepm-a', 'op-7', 600_000);
    await registry(SecretCipher.fromKeys([KEY_A]), hub).notified('mepm-a', {
      notificationType: 'AppLcmOpOccStateChangeNotification',
      appLcmOpOccId: 'op-7',
    });
    await expect(woken).resolves.toBeUndefined();
    await expect(
      registry(SecretCipher.fromKeys([KEY_A]), hub).notified('nope', {}),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
