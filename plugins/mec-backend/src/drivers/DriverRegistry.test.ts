import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { MecEdgeDriver } from '@helmmec/plugin-mec-node';
import { createDefaultDrivers, DriverRegistry } from './DriverRegistry';

const fake = (id: string) => ({ id } as unknown as MecEdgeDriver);

describe('DriverRegistry', () => {
  it('holds the default drivers and third-party ones', () => {
    const registry = DriverRegistry.create(
      createDefaultDrivers(
        new ConfigReader({
          mec: { drivers: { helm: { binary: '/opt/helm' } } },
        }),
        mockServices.logger.mock(),
      ),
    );
    registry.add(fake('kustomize'));
    expect(registry.ids()).toEqual(['flux', 'helm', 'kustomize']);
    expect(registry.get('helm').id).toBe('helm');
  });

  it('rejects duplicate ids and names the known ones for an unknown id', () => {
    const registry = DriverRegistry.create([fake('helm')]);
    expect(() => registry.add(fake('helm'))).toThrow(/already registered/);
    expect(() => registry.get('nomad')).toThrow(
      /Unknown edge driver 'nomad'; known drivers: helm/,
    );
  });
});
