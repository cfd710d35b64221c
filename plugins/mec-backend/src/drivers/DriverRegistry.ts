import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { MecEdgeDriver } from '@helmmec/plugin-mec-node';
import { FluxDriver } from './flux/FluxDriver';
import { HelmDriver } from './helm/HelmDriver';

/**
 * The edge drivers known to the backend, by id (an edge host's `driver`
 * setting). Built-in drivers plus those added through
 * `mecDriversExtensionPoint`.
 * @public
 */
export class DriverRegistry {
  readonly #drivers = new Map<string, MecEdgeDriver>();

  static create(drivers: MecEdgeDriver[] = []): DriverRegistry {
    const registry = new DriverRegistry();
    for (const driver of drivers) registry.add(driver);
    return registry;
  }

  private constructor() {}

  /** Adds a driver; a second driver with the same id is refused. */
  add(driver: MecEdgeDriver): void {
    if (!driver?.id || typeof driver.id !== 'string') {
      throw new InputError('An edge driver needs a non-empty string id');
    }
    if (this.#drivers.has(driver.id)) {
      throw new ConflictError(
        `An edge driver with id '${driver.id}' is already registered`,
      );
    }
    this.#drivers.set(driver.id, driver);
  }

  /** The driver with this id; NotFoundError naming the known ids otherwise. */
  get(id: string): MecEdgeDriver {
    const driver = this.#drivers.get(id);
    if (!driver) {
      throw new NotFoundError(
        `Unknown edge driver '${id}'; known drivers: ${
          this.ids().join(', ') || 'none'
        }`,
      );
    }
    return driver;
  }

  has(id: string): boolean {
    return this.#drivers.has(id);
  }

  ids(): string[] {
    return [...this.#drivers.keys()].sort();
  }
}

/**
 * The built-in drivers, `helm` and `flux`, configured from `mec.drivers`.
 * @public
 */
export function createDefaultDrivers(
  config: Config,
  logger: LoggerService,
): MecEdgeDriver[] {
  return [
    HelmDriver.fromConfig(config, { logger: logger.child({ driver: 'helm' }) }),
    FluxDriver.fromConfig(config, { logger: logger.child({ driver: 'flux' }) }),
  ];
}
