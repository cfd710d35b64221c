import type { MecApiClient } from '../outbound/MecApiClient';

/** A MEPM the MEO drives over Mm3, as its driver calls it. */
export interface MepmPeer {
  /** The MEPM's registered name. */
  name: string;
  /** Its app_lcm (and hosts) APIs under its apiRoot, with its credentials. */
  client: MecApiClient;
}

/** Which MEPM manages an edge host the MEO places on. */
export interface MepmDirectory {
  /**
   * The MEPM that reported this host; undefined for a host the MEO reaches
   * itself (combined role).
   */
  mepmOfHost(hostName: string): Promise<MepmPeer | undefined>;
}
