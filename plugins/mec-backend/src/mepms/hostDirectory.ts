import type { EdgeHostService } from '../hosts';
import type { HostDirectory } from '../hosts/HostDirectory';
import type { MepmStore } from '../database/MepmStore';

/**
 * The MEO's hosts and its MEPMs' as lifecycle management sees them: the
 * edge host registry holds both (placement, namespaces and drivers alike),
 * but a MEPM's host has no connection of the MEO's. Its connection names
 * the host and, as `server`, its MEPM's apiRoot, with no credential: the
 * `mepm` driver reaches the host through the MEPM (see
 * MepmDirectory.mepmOfHost), never the API server.
 */
export function mepmAwareHostDirectory(
  localHosts: HostDirectory,
  deps: { hosts: EdgeHostService; store: MepmStore },
): HostDirectory {
  return {
    listPlacementHosts: () => localHosts.listPlacementHosts(),
    namespaceFor: (hostName, appInstanceId) =>
      localHosts.namespaceFor(hostName, appInstanceId),
    driverOf: hostName => localHosts.driverOf(hostName),
    async connection(hostName) {
      const host = await deps.hosts.getHost(hostName);
      if (host.source !== 'mepm' || !host.mepm) {
        return localHosts.connection(hostName);
      }
      const mepm = await deps.store.getMepm(host.mepm);
      return {
        name: hostName,
        server: mepm?.apiRoot ?? '',
        credential: { type: 'serviceAccountToken', token: '' },
      };
    },
  };
}
