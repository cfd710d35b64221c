import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { afterCommit, isTransaction } from '../database/afterCommit';
import { DatabaseClock } from '../jobs';
import {
  DELIVERIES_TABLE,
  SUBSCRIPTIONS_TABLE,
  selectSubscriptions,
  SubscriptionApi,
  SubscriptionRecord,
} from './SubscriptionStore';

/** The resources an event is about. */
export interface EventSubject {
  appPkgId?: string;
  appInstanceId?: string;
}

/** One event to notify, as given to {@link NotificationOutbox.publish}. */
export interface PublishRequest<TFilter = unknown> {
  api: SubscriptionApi;
  /** What the event is about, for listeners that mirror resources. */
  subject?: EventSubject;
  /** Subscriptions of these types are candidates. */
  subscriptionTypes: string[];
  /** Whether a candidate's filter selects the event; all candidates when absent. */
  matches?: (subscription: SubscriptionRecord<TFilter>) => boolean;
  /** The notification body for one subscriber; `notificationId` is shared by all. */
  buildPayload: (
    subscription: SubscriptionRecord<TFilter>,
    notificationId: string,
  ) => object;
}

/** What {@link NotificationOutbox.publish} queued. */
export interface PublishResult {
  notificationId: string;
  /** Number of subscribers the notification goes to. */
  deliveries: number;
}

/** What a listener of {@link NotificationOutbox.onPublished} learns. */
export interface PublishedEvent {
  api: SubscriptionApi;
  subject: EventSubject;
  subscriptionTypes: string[];
  /** Number of subscribers the notification goes to; may be zero. */
  deliveries: number;
}

/** Row of `mec_notification_deliveries`. */
export interface DeliveryRow {
  id: string;
  notification_id: string;
  subscription_id: string;
  payload: string;
  attempts: number;
  next_attempt_at: Date | string | number;
  state: 'pending' | 'delivered' | 'dead';
  last_error: string | null;
  claimed_until: Date | string | number | null;
  claimed_by: string | null;
  created_at: Date | string | number;
  delivered_at: Date | string | number | null;
}

/**
 * The transactional outbox of notifications: an event's notifications are
 * written in the same transaction as the state change they report, so that
 * both commit or neither does. The delivery worker sends them afterwards.
 *
 * @public
 */
export class NotificationOutbox {
  static create(options: { knex: Knex }): NotificationOutbox {
    return new NotificationOutbox(options.knex);
  }

  private readonly listeners: Array<(event: PublishedEvent) => void> = [];
  private readonly clock: DatabaseClock;

  private constructor(private readonly knex: Knex) {
    this.clock = DatabaseClock.forKnex(knex);
  }

  /**
   * Calls `listener` after an event was committed, whether or not anyone
   * subscribed to it: the delivery worker wakes for its notifications, the
   * catalog learns that something changed.
   */
  onPublished(listener: (event: PublishedEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Queues one notification per matching subscription, all with the same
   * notification id, inside `trx` (a transaction, or the plain Knex client).
   */
  async publish<TFilter = unknown>(
    trx: Knex | Knex.Transaction | undefined,
    request: PublishRequest<TFilter>,
  ): Promise<PublishResult> {
    const db = trx ?? this.knex;
    const notificationId = randomUUID();
    const candidates = await selectSubscriptions<TFilter>(db, request.api, {
      subscriptionTypes: request.subscriptionTypes,
    });
    const recipients = request.matches
      ? candidates.filter(request.matches)
      : candidates;
    const event = {
      api: request.api,
      subject: request.subject ?? {},
      subscriptionTypes: request.subscriptionTypes,
      deliveries: recipients.length,
    };
    if (recipients.length === 0) {
      this.notifyAfterCommit(db, event);
      return { notificationId, deliveries: 0 };
    }
    const now = new Date();
    // Due at once by the database's clock, which the delivery worker compares with.
    const dueNow = this.clock.now();
    const rows = recipients.map(subscription => ({
      id: randomUUID(),
      notification_id: notificationId,
      subscription_id: subscription.id,
      payload: JSON.stringify(
        request.buildPayload(subscription, notificationId),
      ),
      attempts: 0,
      next_attempt_at: dueNow,
      state: 'pending' as const,
      last_error: null,
      claimed_until: null,
      claimed_by: null,
      created_at: now,
      delivered_at: null,
    }));
    const insert = async (t: Knex | Knex.Transaction) => {
      // Chunked: SQLite limits the number of bound variables per statement.
      for (let i = 0; i < rows.length; i += 50) {
        await t(DELIVERIES_TABLE).insert(rows.slice(i, i + 50));
      }
    };
    if (isTransaction(db) || rows.length <= 50) {
      await insert(db);
    } else {
      await db.transaction(insert);
    }
    this.notifyAfterCommit(db, event);
    return { notificationId, deliveries: rows.length };
  }

  /**
   * Deletes the notifications delivered before `before`, those given up
   * (dead) that were queued before it, and those left pending for a
   * subscription that no longer exists; in chunks of `chunk` rows, so that
   * no delete holds the table long.
   *
   * @returns how many were deleted
   */
  async deleteSettledBefore(
    before: Date,
    options: { chunk?: number } = {},
  ): Promise<number> {
    const chunk = options.chunk ?? 1000;
    let deleted = 0;
    for (;;) {
      const settled = this.knex<DeliveryRow>(DELIVERIES_TABLE)
        .select('id')
        .where(q =>
          q
            .where(d =>
              d.where('state', 'delivered').where('delivered_at', '<', before),
            )
            .orWhere(d =>
              d.where('state', 'dead').where('created_at', '<', before),
            )
            .orWhere(d =>
              d
                .where('state', 'pending')
                .whereNotExists(s =>
                  s
                    .select(this.knex.raw('1'))
                    .from(SUBSCRIPTIONS_TABLE)
                    .whereRaw('??.?? = ??.??', [
                      SUBSCRIPTIONS_TABLE,
                      'id',
                      DELIVERIES_TABLE,
                      'subscription_id',
                    ]),
                ),
            ),
        )
        .limit(chunk);
      const count = await this.knex<DeliveryRow>(DELIVERIES_TABLE)
        .whereIn('id', settled)
        .delete();
      deleted += count;
      if (count < chunk) return deleted;
    }
  }

  private notifyAfterCommit(
    db: Knex | Knex.Transaction,
    event: PublishedEvent,
  ): void {
    // Listeners only speed things up; every reader also polls.
    for (const listener of this.listeners) {
      afterCommit(db, () => listener(event));
    }
  }
}
