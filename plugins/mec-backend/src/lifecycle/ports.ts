import type { MecEdgeDriver } from '@helmmec/plugin-mec-node';
import type { AppInstance } from './model';

/** Finds the driver for an id. */
export interface DriverLookup {
  get(id: string): MecEdgeDriver;
}

/** Executes an op occurrence in the background (after its 202 went out). */
export interface OperationTrigger {
  trigger(appLcmOpOccId: string): void;
}

/** Removes what an instance's placement may have left on its edge host. */
export interface ReleaseRemoval {
  /**
   * Uninstalls the instance's release (FORCEFUL) with the namespace created
   * for it; an absent release is success, a failure throws.
   */
  removeRelease(instance: AppInstance): Promise<void>;
}
