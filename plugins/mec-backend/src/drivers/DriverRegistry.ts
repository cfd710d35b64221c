import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { MecEdgeDriver } from '@helmmec/plugin-mec-node';
import { FluxDriver } from './flux/FluxDriver';
import { HelmDriver } from './helm/HelmDriver';

// Edge hosts store the id in a 32-character column; ids are short lowercase
// words like `helm`.
const DRIVER_ID = /^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/;

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

  /**
   * Adds a driver. Its id is what edge hosts name; a second driver with the
   * same id is refused, so a module cannot silently replace a built-in one.
   */
  add(driver: MecEdgeDriver): void {
    if (typeof driver?.id !== 'string' || !DRIVER_ID.test(driver.id)) {
      throw new InputError(
        `Invalid edge driver id '${driver?.id}': use at most 32 lowercase letters, digits and '-', starting and ending with a letter or digit`,
      );
    }
    if (this.#drivers.has(driver.id)) {
      throw new ConflictError(
        `An edge driver with id '${
          driver.id
        }' is already registered; give the new driver its own id (registered: ${this.ids().join(
          ', ',
        )})`,
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
