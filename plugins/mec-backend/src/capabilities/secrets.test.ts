import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import { createTestDatabases } from '../__testUtils__/databases';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { EdgeHostStore } from '../database/EdgeHostStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { CredentialCipher } from '../hosts/CredentialCipher';
import {
  SubscriptionAuthentication,
  SubscriptionStore,
} from '../notifications';
import { readSubscriptionAuthentication } from '../notifications/SubscriptionStore';
import { SecretCipher } from '../secrets';
import { reencryptStoredSecrets, sealStoredSecrets } from './secrets';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const OLD = { id: 'k1', secret: 'the first passphrase of the rotation test' };
const NEW = { id: 'k2', secret: randomBytes(32).toString('base64') };
const PASSWORD = 'subscriber-basic-password-3f9a';
const CLIENT_SECRET = 'oauth-client-secret-7c21';
const VALUE_SECRET = 'helm-values-db-password-91be';
const HOST_TOKEN = 'edge-host-token-5d0e';

const authentication: SubscriptionAuthentication = {
  authType: ['BASIC', 'OAUTH2_CLIENT_CREDENTIALS'],
  paramsBasic: { userName: 'meo', password: PASSWORD },
  paramsOauth2ClientCredentials: {
    clientId: 'meo',
    clientPassword: CLIENT_SECRET,
    tokenEndpoint: 'https://127.0.0.1:9/token',
  },
};

function opOcc(id: string) {
  const now = new Date();
  return {
    id,
    appInstanceId: 'instance-1',
    lcmOperation: 'INSTANTIATE' as const,
    operationState: 'STARTING' as const,
    stateEnteredTime: now,
    startTime: now,
    command: {
      lcmOperation: 'INSTANTIATE' as const,
      values: { db: { password: VALUE_SECRET } },
    },
    isCancelPending: false,
    startNotified: false,
  };
}

describe.each(databases.eachSupportedId())('secrets at rest on %p', id => {
  let knex: Knex;
  const logger = mockServices.logger.mock();

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
  });

  beforeEach(async () => {
    await knex('app_lcm_op_occs').delete();
    await knex('mec_subscriptions').delete();
    await knex('edge_hosts').delete();
  });

  /** Every secrets column, straight from the tables. */
  const storedValues = async () => [
    ...(await knex('mec_subscriptions').pluck('authentication')),
    ...(await knex('app_lcm_op_occs').pluck('operation_params')),
    ...(await knex('edge_hosts').pluck('credential_encrypted')),
  ];

  const insertHost = async (cipher: SecretCipher, name: string) => {
    const now = new Date();
    await EdgeHostStore.create({ knex }).insertEdgeHost({
      name,
      serverUrl: 'https://127.0.0.1:6443',
      credentialType: 'serviceAccountToken',
      credentialEncrypted: new CredentialCipher(cipher).encrypt(name, {
        type: 'serviceAccountToken',
        token: HOST_TOKEN,
      }),
      driver: 'helm',
      labels: {},
      location: {},
      namespacePolicy: { mode: 'perInstance' },
      source: 'api',
      createdAt: now,
      updatedAt: now,
    });
  };

  it('stores subscription credentials and Helm values encrypted, and reads them back', async () => {
    const cipher = SecretCipher.fromKeys([OLD]);
    const subscriptions = SubscriptionStore.create({ knex, cipher });
    const opOccs = AppLcmOpOccStore.create({ knex, cipher });
    const created = await subscriptions.createSubscription({
      api: 'app_lcm',
      subscriptionType: 'AppLcmOpOccSubscriptionRequest',
      callbackUri: 'https://127.0.0.1:9/callback',
      authentication,
    });
    await opOccs.insert(opOcc('op-1'));

    const row = await knex('mec_subscriptions')
      .where({ id: created.id })
      .first();
    expect(row.authentication).toMatch(/^v2\.k1\./);
    const params = await knex('app_lcm_op_occs')
      .where({ id: 'op-1' })
      .pluck('operation_params');
    expect(params[0]).toMatch(/^v2\.k1\./);
    const raw = JSON.stringify(await storedValues());
    for (const secret of [PASSWORD, CLIENT_SECRET, VALUE_SECRET]) {
      expect(raw).not.toContain(secret);
    }

    expect(readSubscriptionAuthentication(row, cipher)).toEqual(authentication);
    expect((await opOccs.get('op-1'))!.command).toEqual(opOcc('op-1').command);
    expect((await opOccs.list())[0].command).toEqual(opOcc('op-1').command);
    // Bound to its row: a ciphertext copied to another row does not decrypt.
    await opOccs.insert(opOcc('op-2'));
    await knex('app_lcm_op_occs')
      .where({ id: 'op-2' })
      .update({ operation_params: params[0] });
    await expect(opOccs.get('op-2')).rejects.toThrow(
      /cannot decrypt the command of op occurrence op-2/,
    );
  });

  it('encrypts rows stored in clear at startup, once', async () => {
    const subscriptions = SubscriptionStore.create({ knex });
    const created = await subscriptions.createSubscription({
      api: 'app_pkgm',
      subscriptionType: 'AppPkgSubscription',
      callbackUri: 'https://127.0.0.1:9/callback',
      authentication,
    });
    await AppLcmOpOccStore.create({ knex }).insert(opOcc('op-clear'));
    expect(JSON.stringify(await storedValues())).toContain(PASSWORD);

    const cipher = SecretCipher.fromKeys([OLD]);
    await sealStoredSecrets({ knex, cipher, logger });
    const values = await storedValues();
    expect(values).toHaveLength(2);
    for (const value of values) expect(value).toMatch(/^v2\.k1\./);
    expect(JSON.stringify(values)).not.toContain(PASSWORD);
    expect(JSON.stringify(values)).not.toContain(VALUE_SECRET);

    // Nothing left to do the second time; reads decrypt.
    await sealStoredSecrets({ knex, cipher, logger });
    expect(await storedValues()).toEqual(values);
    const row = await knex('mec_subscriptions')
      .where({ id: created.id })
      .first();
    expect(readSubscriptionAuthentication(row, cipher)).toEqual(authentication);
    expect(
      (await AppLcmOpOccStore.create({ knex, cipher }).get('op-clear'))!
        .command,
    ).toEqual(opOcc('op-clear').command);
  });

  it('rotates keys: the old id still decrypts, re-encryption moves everything to the new one', async () => {
    const old = SecretCipher.fromKeys([OLD]);
    await SubscriptionStore.create({ knex, cipher: old }).createSubscription({
      api: 'app_lcm',
      subscriptionType: 'AppLcmOpOccSubscriptionRequest',
      callbackUri: 'https://127.0.0.1:9/callback',
      authentication,
    });
    await AppLcmOpOccStore.create({ knex, cipher: old }).insert(opOcc('op-r'));
    await insertHost(old, 'edge-r');

    // The new key first, the old one still listed: everything reads.
    const config = new ConfigReader({ mec: { encryptionKeys: [NEW, OLD] } });
    const rotated = SecretCipher.fromConfig(config)!;
    const opOccs = AppLcmOpOccStore.create({ knex, cipher: rotated });
    expect((await opOccs.get('op-r'))!.command).toEqual(opOcc('op-r').command);
    await opOccs.insert(opOcc('op-new'));
    expect(
      await knex('app_lcm_op_occs')
        .where({ id: 'op-new' })
        .pluck('operation_params'),
    ).toEqual([expect.stringMatching(/^v2\.k2\./)]);

    expect(await reencryptStoredSecrets({ config, knex })).toEqual({
      keyId: 'k2',
      edgeHostCredentials: 1,
      mepmCredentials: 0,
      subscriptionCredentials: 1,
      opOccCommands: 1,
    });
    for (const value of await storedValues()) {
      expect(SecretCipher.keyIdOf(value)).toBe('k2');
    }
    // The old key can go now.
    const onlyNew = SecretCipher.fromKeys([NEW]);
    expect(
      (await AppLcmOpOccStore.create({ knex, cipher: onlyNew }).get('op-r'))!
        .command,
    ).toEqual(opOcc('op-r').command);
    const host = (await EdgeHostStore.create({ knex }).getEdgeHost('edge-r'))!;
    expect(
      new CredentialCipher(onlyNew).decrypt('edge-r', host.credentialEncrypted),
    ).toEqual({ type: 'serviceAccountToken', token: HOST_TOKEN });
    // A second run has nothing left to do.
    expect(await reencryptStoredSecrets({ config, knex })).toMatchObject({
      edgeHostCredentials: 0,
      subscriptionCredentials: 0,
      opOccCommands: 0,
    });
  });

  it('moves host credentials of the legacy key (no key id) to mec.encryptionKeys', async () => {
    const legacy = CredentialCipher.fromKey(OLD.secret).secrets;
    await insertHost(legacy, 'edge-legacy');
    const config = new ConfigReader({
      mec: { encryptionKeys: [NEW], hosts: { encryptionKey: OLD.secret } },
    });
    expect(await reencryptStoredSecrets({ config, knex })).toMatchObject({
      edgeHostCredentials: 1,
    });
    expect(await storedValues()).toEqual([expect.stringMatching(/^v2\.k2\./)]);
  });

  it('refuses to run without a key', async () => {
    await expect(
      reencryptStoredSecrets({ config: new ConfigReader({}), knex }),
    ).rejects.toThrow(/mec.encryptionKeys .* is not configured/);
  });
});
