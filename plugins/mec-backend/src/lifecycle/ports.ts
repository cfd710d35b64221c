import type { MecEdgeDriver } from '@helmmec/plugin-mec-node';

/** Finds the driver for an id. */
export interface DriverLookup {
  get(id: string): MecEdgeDriver;
}

/** Executes an op occurrence in the background (after its 202 went out). */
export interface OperationTrigger {
  trigger(appLcmOpOccId: string): void;
}
