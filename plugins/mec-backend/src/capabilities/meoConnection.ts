import type { AppPackageService } from '../packages/AppPackageService';
import type { HostDirectory } from '../hosts/HostDirectory';
import type { Granting } from '../lifecycle/ports';
import type { ChartRepositoryAccess } from '../lifecycle/OpOccExecutor';
import { MecCore } from './types';

/** What a MEPM takes from its MEO (`mec.mepm.meo`). */
export interface MeoConnection {
  /**
   * The packages lifecycle management reads: the MEO's, fetched by appDId
   * over Mm3 app_pkgm and kept in the local store as a verified cache.
   */
  packages: AppPackageService;
  /** Grants from the MEO's granting/v1. */
  granting: Granting;
  /** The MEO's Helm repository, for drivers whose cluster pulls charts. */
  chartRepository: ChartRepositoryAccess;
}

/**
 * The MEPM role's link to its MEO: grants and packages over Mm3.
 */
export async function buildMeoConnection(
  _core: MecCore,
  _deps: { appPackages: AppPackageService; hosts: HostDirectory },
): Promise<MeoConnection> {
  throw new Error('mec.role mepm is not available yet');
}
