import type { MecEdgeDriver, ReleaseRevision } from '@helmmec/plugin-mec-node';
import type { Grant, GrantRequest } from '../granting/model';
import type { AppInstance, AppLcmOpOcc } from './model';

/**
 * Asks for the grant of a lifecycle operation: the MEO's own granting
 * (combined and meo roles) or, on a MEPM, its MEO over Mm3 granting/v1.
 * A refusal throws (NotAllowedError or PlacementError) with the reason.
 */
export interface Granting {
  grant(request: GrantRequest): Promise<Grant>;
}

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
  /**
   * Puts the instance's own package (with these values) back on its
   * release, unless its newest revision already runs it deployed; a
   * failure throws.
   */
  restorePackage(
    instance: AppInstance,
    values: Record<string, unknown>,
  ): Promise<void>;
  /**
   * Marks a FAILED_TEMP operation failed where the instance's driver handed
   * it on (another MEPM), before it leaves FAILED_TEMP here; a failure
   * throws. Optional: nothing to do for drivers of clusters.
   */
  failOperation?(instance: AppInstance, opOcc: AppLcmOpOcc): Promise<void>;
}

/** Reads the revisions of an instance's release from its edge host. */
export interface ReleaseHistory {
  /**
   * Newest first; none when the instance is not placed or its driver keeps
   * no history. An unreachable host throws.
   */
  releaseHistory(instance: AppInstance): Promise<ReleaseRevision[]>;
}
