import { Config } from '@backstage/config';

/**
 * The ETSI MEC role this backend plays (`mec.role`):
 * - `combined`: MEO and MEPM in one process (the default, `npm start`);
 * - `meo`: the MEC Orchestrator; its edge hosts are those its registered
 *   MEPMs report (`/mepms`), and it drives them over Mm3;
 * - `mepm`: a MEC Platform Manager beside its edge clusters, serving Mm3
 *   app_lcm, asking its MEO (`mec.mepm.meo`) for grants and packages.
 */
export type MecRole = 'combined' | 'meo' | 'mepm';

const ROLES: readonly MecRole[] = ['combined', 'meo', 'mepm'];

/** Reads `mec.role`; an unknown value stops the backend, naming the setting. */
export function readMecRole(config: Config): MecRole {
  const role = config.getOptionalString('mec.role') ?? 'combined';
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new Error(`mec.role '${role}' is not one of ${ROLES.join(', ')}`);
  }
  return role as MecRole;
}
