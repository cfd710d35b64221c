import { createApiRef } from '@backstage/frontend-plugin-api';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';

/**
 * The portal's view of the mec backend's ETSI APIs.
 * @public
 */
export interface MecApi {
  listAppPackages(): Promise<AppPkgInfo[]>;
}

/** @public */
export const mecApiRef = createApiRef<MecApi>({ id: 'plugin.mec.api' });
