import { createExtensionPoint } from '@backstage/backend-plugin-api';

/**
 * Deploys MEC application instances on one kind of edge host (for example
 * plain Helm, or Flux HelmRelease objects).
 * @public
 */
export interface MecEdgeDriver {
  /** The value of an edge host's `driver` setting that selects this driver. */
  readonly id: string;
}

/**
 * Lets backend modules add edge drivers to the mec plugin.
 * @public
 */
export interface MecDriversExtensionPoint {
  addDriver(driver: MecEdgeDriver): void;
}

/** @public */
export const mecDriversExtensionPoint =
  createExtensionPoint<MecDriversExtensionPoint>({
    id: 'mec.drivers',
  });
