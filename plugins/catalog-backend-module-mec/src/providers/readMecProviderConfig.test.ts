import { ConfigReader } from '@backstage/config';
import { readMecProviderConfig } from './readMecProviderConfig';

describe('readMecProviderConfig', () => {
  it('defaults to every 10 minutes on each instance, and the platform group', () => {
    expect(readMecProviderConfig(new ConfigReader({}))).toEqual({
      schedule: {
        frequency: { minutes: 10 },
        timeout: { minutes: 3 },
        scope: 'local',
      },
      owner: 'group:default/mec-platform',
      appBaseUrl: undefined,
    });
  });

  it('reads schedule, owner and the app base URL', () => {
    const config = new ConfigReader({
      app: { baseUrl: 'https://portal.example.com' },
      catalog: {
        providers: {
          mec: {
            schedule: {
              frequency: 'PT1M',
              timeout: { seconds: 50 },
              scope: 'global',
            },
            owner: 'group:default/edge',
          },
        },
      },
    });
    expect(readMecProviderConfig(config)).toEqual({
      schedule: {
        frequency: { minutes: 1 },
        timeout: { seconds: 50 },
        scope: 'global',
      },
      owner: 'group:default/edge',
      appBaseUrl: 'https://portal.example.com',
    });
  });
});
