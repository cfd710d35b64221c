import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { EdgeHostStore } from '../database/EdgeHostStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { OutboundUrlPolicy } from '../outbound';
import { CredentialCipher } from './CredentialCipher';
import {
  EdgeHostHealthChecker,
  REFUSED_BY_HOST_RULES,
} from './EdgeHostHealthChecker';
import { EdgeHostService } from './EdgeHostService';

// The checker only reads and writes host records: SQLite is enough.
const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});

describe('EdgeHostHealthChecker', () => {
  it('records a host the rules no longer allow as such, without contacting it', async () => {
    const knex = await databases.init('SQLITE_3');
    await applyDatabaseMigrations(knex);
    const logger = mockServices.logger.mock();
    const options = {
      store: EdgeHostStore.create({ knex }),
      drivers: { ids: () => ['helm'] },
      usage: { countByHost: async () => 0 },
      cipher: CredentialCipher.fromConfig(
        new ConfigReader({
          mec: { hosts: { encryptionKey: 'health checker test passphrase' } },
        }),
      ),
      logger,
    };
    // Registered under the development rules (loopback)...
    const development = await EdgeHostService.create(options);
    await development.registerHost({
      name: 'edge-old',
      url: 'https://127.0.0.1:1',
      credential: { type: 'serviceAccountToken', token: 'x'.repeat(20) },
    });
    // ...and checked after the rules were tightened.
    const production = await EdgeHostService.create({
      ...options,
      outboundPolicy: OutboundUrlPolicy.create({
        allow: [{ host: '*.edge.example.com', schemes: ['https'] }],
        configKey: 'mec.hosts.outbound',
      }),
    });
    const checker = new EdgeHostHealthChecker(production, logger);
    const host = await checker.checkNow('edge-old');
    expect(host.status).toEqual({
      reachable: false,
      checkedAt: expect.any(Date),
      error: REFUSED_BY_HOST_RULES,
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Edge host 'edge-old' is unreachable: not allowed by mec\.hosts\.outbound \(The edge host URL https:\/\/127\.0\.0\.1:1 is not allowed: no mec\.hosts\.outbound\.allow rule matches/,
      ),
    );
  });
});
