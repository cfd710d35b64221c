import type { AppLcmSchemas } from '@helmmec/plugin-mec-common';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import {
  CreationCursor,
  PageRequest,
  pageByCreation,
} from '../database/listQueries';
import {
  openSecret,
  reencryptColumn,
  ReencryptScope,
  sealSecret,
  SecretCipher,
} from '../secrets';

/** The ETSI API a subscription belongs to. */
export type SubscriptionApi = 'app_pkgm' | 'app_lcm';

/**
 * How the MEO authenticates its notification requests to a subscriber
 * (`SubscriptionAuthentication`, after ETSI GS NFV-SOL 013), stored as the
 * subscriber gave it; app_pkgm and app_lcm define it alike. Holds secrets:
 * never returned by an API nor logged.
 */
export type SubscriptionAuthentication =
  AppLcmSchemas['SubscriptionAuthentication'];

/** A stored subscription, without its authentication secrets. */
export interface SubscriptionRecord<TFilter = unknown> {
  id: string;
  api: SubscriptionApi;
  /** The V3.1.1 `subscriptionType` value. */
  subscriptionType: string;
  callbackUri: string;
  /** The API-specific filter attributes, as given at creation. */
  filter?: TFilter;
  /** Whether the subscription has callback authentication. */
  hasAuthentication: boolean;
  /** Principal that created it (user entity ref or `service:<subject>`). */
  owner?: string;
  createdAt: Date;
}

/** What {@link SubscriptionStore.createSubscription} stores. */
export interface NewSubscription<TFilter = unknown> {
  api: SubscriptionApi;
  subscriptionType: string;
  callbackUri: string;
  filter?: TFilter;
  authentication?: SubscriptionAuthentication;
  owner?: string;
}

/** Row of `mec_subscriptions`. */
export interface SubscriptionRow {
  id: string;
  api: SubscriptionApi;
  subscription_type: string;
  callback_uri: string;
  filter: string | null;
  authentication: string | null;
  owner: string | null;
  created_at: Date | string | number;
  /** Notifications may be sent from then on; later while parked after a failure. */
  delivery_due_at?: Date | string | number | null;
  delivery_claimed_by?: string | null;
  delivery_claimed_until?: Date | string | number | null;
}

export const SUBSCRIPTIONS_TABLE = 'mec_subscriptions';
export const DELIVERIES_TABLE = 'mec_notification_deliveries';

/** What a subscription's authentication ciphertext is bound to: its row. */
function authenticationContext(subscriptionId: string): string {
  return `mec-subscription:${subscriptionId}:authentication`;
}

/**
 * The callback authentication of a subscription row, decrypted. A value
 * in clear (stored without a key, or before encryption) reads as it is.
 */
export function readSubscriptionAuthentication(
  row: Pick<SubscriptionRow, 'id' | 'authentication'>,
  cipher: SecretCipher | undefined,
): SubscriptionAuthentication | undefined {
  if (row.authentication === null) return undefined;
  return JSON.parse(
    openSecret(
      cipher,
      authenticationContext(row.id),
      row.authentication,
      `the callback credentials of subscription ${row.id}`,
    ),
  );
}

/**
 * Persistence of notification subscriptions (table `mec_subscriptions`),
 * shared by every API that has subscriptions. Callback credentials are
 * encrypted with the cipher of `mec.encryptionKeys`; without one (only
 * under development) they are stored in clear.
 *
 * @public
 */
export class SubscriptionStore {
  static create(options: {
    knex: Knex;
    cipher?: SecretCipher;
  }): SubscriptionStore {
    return new SubscriptionStore(options.knex, options.cipher);
  }

  private constructor(
    private readonly knex: Knex,
    private readonly cipher: SecretCipher | undefined,
  ) {}

  async createSubscription<TFilter>(
    input: NewSubscription<TFilter>,
  ): Promise<SubscriptionRecord<TFilter>> {
    const id = randomUUID();
    const now = new Date();
    const authentication = input.authentication
      ? JSON.stringify(input.authentication)
      : null;
    const row: SubscriptionRow = {
      id,
      api: input.api,
      subscription_type: input.subscriptionType,
      callback_uri: input.callbackUri,
      filter: input.filter === undefined ? null : JSON.stringify(input.filter),
      authentication:
        authentication &&
        sealSecret(this.cipher, authenticationContext(id), authentication),
      owner: input.owner ?? null,
      created_at: now,
      delivery_due_at: now,
    };
    await this.knex<SubscriptionRow>(SUBSCRIPTIONS_TABLE).insert(row);
    return toSubscriptionRecord<TFilter>(row);
  }

  /**
   * One subscription of an API. With `owner`, only if that principal
   * created it, so that one client cannot read another's subscriptions.
   */
  async getSubscription<TFilter = unknown>(
    api: SubscriptionApi,
    id: string,
    options: { owner?: string } = {},
  ): Promise<SubscriptionRecord<TFilter> | undefined> {
    const row = await this.query(api, options.owner).where({ id }).first();
    return row ? toSubscriptionRecord<TFilter>(row) : undefined;
  }

  /** The subscriptions of an API, oldest first, optionally of one owner or some types. */
  async listSubscriptions<TFilter = unknown>(
    api: SubscriptionApi,
    options: PageRequest<CreationCursor> & {
      owner?: string;
      subscriptionTypes?: string[];
    } = {},
  ): Promise<SubscriptionRecord<TFilter>[]> {
    return selectSubscriptions<TFilter>(this.knex, api, options);
  }

  /**
   * Deletes a subscription and its undelivered notifications (ETSI: no
   * notification is sent after the subscription is gone).
   *
   * @returns whether it existed
   */
  async deleteSubscription(
    api: SubscriptionApi,
    id: string,
    options: { owner?: string } = {},
  ): Promise<boolean> {
    return this.knex.transaction(async trx => {
      let query = trx<SubscriptionRow>(SUBSCRIPTIONS_TABLE).where({ api, id });
      if (options.owner !== undefined) {
        query = query.where({ owner: options.owner });
      }
      const deleted = await query.delete();
      if (deleted > 0) {
        await trx(DELIVERIES_TABLE)
          .where({ subscription_id: id, state: 'pending' })
          .delete();
      }
      return deleted > 0;
    });
  }

  /**
   * Encrypts the callback credentials stored in clear (`plaintext`, at
   * startup), or re-encrypts every one not under the first key (`all`,
   * `mec:reencrypt`).
   *
   * @returns how many were rewritten
   */
  async reencryptAuthentication(scope: ReencryptScope): Promise<number> {
    if (!this.cipher) return 0;
    return reencryptColumn(this.knex, {
      cipher: this.cipher,
      scope,
      table: SUBSCRIPTIONS_TABLE,
      keyColumn: 'id',
      column: 'authentication',
      context: authenticationContext,
      what: id => `the callback credentials of subscription ${id}`,
    });
  }

  private query(api: SubscriptionApi, owner: string | undefined) {
    const query = this.knex<SubscriptionRow>(SUBSCRIPTIONS_TABLE).where({
      api,
    });
    return owner === undefined ? query : query.where({ owner });
  }
}

/** Shared by the store and the outbox, which reads inside the caller's transaction. */
export async function selectSubscriptions<TFilter>(
  db: Knex | Knex.Transaction,
  api: SubscriptionApi,
  options: PageRequest<CreationCursor> & {
    owner?: string;
    subscriptionTypes?: string[];
  },
): Promise<SubscriptionRecord<TFilter>[]> {
  let query = db<SubscriptionRow>(SUBSCRIPTIONS_TABLE).where({ api });
  if (options.owner !== undefined) {
    query = query.where({ owner: options.owner });
  }
  if (options.subscriptionTypes) {
    query = query.whereIn('subscription_type', options.subscriptionTypes);
  }
  pageByCreation(query, options);
  const rows = await query;
  return rows.map(row => toSubscriptionRecord<TFilter>(row));
}

/** Reads a row; the authentication secrets stay out of the record. */
export function toSubscriptionRecord<TFilter>(
  row: SubscriptionRow,
): SubscriptionRecord<TFilter> {
  return {
    id: row.id,
    api: row.api,
    subscriptionType: row.subscription_type,
    callbackUri: row.callback_uri,
    filter: row.filter ? (JSON.parse(row.filter) as TFilter) : undefined,
    hasAuthentication: row.authentication !== null,
    owner: row.owner ?? undefined,
    // SQLite hands back timestamps as numbers, PostgreSQL as Date.
    createdAt: new Date(row.created_at),
  };
}
