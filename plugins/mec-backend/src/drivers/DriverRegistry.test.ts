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
    const registry = DriverRegistry.create([fake('helm'), fake('flux')]);
    expect(() => registry.add(fake('helm'))).toThrow(
      "An edge driver with id 'helm' is already registered; give the new driver its own id (registered: flux, helm)",
    );
    expect(() => registry.get('nomad')).toThrow(
      /Unknown edge driver 'nomad'; known drivers: flux, helm/,
    );
  });

  it.each([[''], ['Helm'], ['-x'], ['a'.repeat(33)], [undefined]])(
    'refuses the id %p, which a host could not name',
    id => {
      expect(() => DriverRegistry.create([fake(id as string)])).toThrow(
        /Invalid edge driver id/,
      );
    },
  );
});
