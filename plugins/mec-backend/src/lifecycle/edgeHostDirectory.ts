import { EdgeHostService } from '../hosts';
import { HostDirectory } from './ports';

/**
 * The edge host registry as lifecycle management and placement see it:
 * health and free capacity from the latest check, location attributes as
 * labels that placement constraints can name.
 */
export function edgeHostDirectory(hosts: EdgeHostService): HostDirectory {
  return {
    async listPlacementHosts() {
      const healthy = new Set((await hosts.listHealthy()).map(h => h.name));
      return (await hosts.listHosts()).map(host => {
        const status = host.status;
        const free = (key: 'cpuMillicores' | 'memoryBytes') =>
          status?.allocatable && status.requested
            ? status.allocatable[key] - status.requested[key]
            : undefined;
        const location = Object.fromEntries(
          Object.entries(host.location ?? {})
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        );
        return {
          name: host.name,
          labels: { ...location, ...host.labels },
          healthy: healthy.has(host.name),
          healthDetail: status
            ? status.error ??
              (status.reachable
                ? 'no Ready nodes or a stale check'
                : 'unreachable')
            : 'no health check yet',
          freeCpuMillis: free('cpuMillicores'),
          freeMemoryBytes: free('memoryBytes'),
        };
      });
    },
    namespaceFor: (hostName, appInstanceId) =>
      hosts.namespaceFor(hostName, appInstanceId),
    connection: name => hosts.getConnection(name),
    driverOf: async name => (await hosts.getHost(name)).driver,
  };
}
