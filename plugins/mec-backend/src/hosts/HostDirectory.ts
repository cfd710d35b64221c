import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import { EdgeHostService } from './EdgeHostService';

/** An edge host as placement sees it. */
export interface PlacementHost {
  name: string;
  labels: Record<string, string>;
  /** Reachable at its last health check, with Ready nodes. */
  healthy: boolean;
  /** Why it is not healthy, if it is not. */
  healthDetail?: string;
  /** Allocatable minus requested, from the last health check. */
  freeCpuMillis?: number;
  freeMemoryBytes?: number;
}

/** What lifecycle management and granting need to know about edge hosts. */
export interface HostDirectory {
  /** Every registered host with its latest health and free capacity. */
  listPlacementHosts(): Promise<PlacementHost[]>;
  /** The namespace an instance gets on a host (its namespace policy). */
  namespaceFor(hostName: string, appInstanceId: string): Promise<string>;
  /** The decrypted connection, for a driver call only. */
  connection(hostName: string): Promise<EdgeHostConnection>;
  /** The driver id the host is registered with. */
  driverOf(hostName: string): Promise<string>;
}

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
