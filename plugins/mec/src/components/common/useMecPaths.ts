import { useRouteRef } from '@backstage/frontend-plugin-api';
import { rootRouteRef } from '../../routes';

/**
 * Absolute paths of the MEC pages, derived from where the app mounted the
 * plugin (`/mec` when the route is not bound, as in unit tests).
 */
export function useMecPaths() {
  const root = useRouteRef(rootRouteRef)?.() ?? '/mec';
  const base = root.replace(/\/$/, '');
  return {
    packages: base || '/',
    appPackage: (id: string) => `${base}/packages/${encodeURIComponent(id)}`,
    instances: `${base}/instances`,
    appInstance: (id: string) => `${base}/instances/${encodeURIComponent(id)}`,
    hosts: `${base}/hosts`,
    edgeHost: (name: string) => `${base}/hosts/${encodeURIComponent(name)}`,
    mepms: `${base}/mepms`,
    mepm: (name: string) => `${base}/mepms/${encodeURIComponent(name)}`,
  };
}
