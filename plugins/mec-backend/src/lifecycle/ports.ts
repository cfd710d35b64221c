import type {
  EdgeHostConnection,
  MecEdgeDriver,
} from '@helmmec/plugin-mec-node';
import type { PlacementHost } from '../granting/placement';

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

/** Finds the driver for an id. */
export interface DriverLookup {
  get(id: string): MecEdgeDriver;
}
