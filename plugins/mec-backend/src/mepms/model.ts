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

/** How the MEO authenticates to a MEPM (the type of its `auth`). */
export type MepmAuthType = 'token' | 'oauth2ClientCredentials';

/** The result of the latest check of a MEPM (its hosts API). */
export interface MepmStatus {
  /** Whether its hosts API answered. */
  reachable: boolean;
  checkedAt: Date;
  /** Why it is unreachable, or what else went wrong in the check. */
  error?: string;
  /** Hosts it reported that joined this MEO's registry. */
  hostCount: number;
  /** Hosts it reported that were left out, and why (e.g. a name taken). */
  hostsLeftOut?: Array<{ name: string; reason: string }>;
  /** Whether the MEO's subscription to its notifications is in place. */
  subscribed: boolean;
}

/** A registered MEPM as the API shows it: no secret. */
export interface Mepm {
  name: string;
  title?: string;
  description?: string;
  apiRoot: string;
  /** The auth settings without their secrets. */
  auth:
    | { type: 'token' }
    | {
        type: 'oauth2ClientCredentials';
        tokenEndpoint: string;
        clientId: string;
        scope?: string;
      };
  status?: MepmStatus;
  /** When it last delivered a notification to the MEO's callback. */
  notifiedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}
