import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { stringifyError } from '@backstage/errors';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import type { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import type { GrantStore } from '../database/GrantStore';
import type { NotificationOutbox } from '../notifications';

/** How long settled records are kept, in milliseconds; see `mec.retention`. */
export interface RetentionOptions {
  /** Ended op occurrences (COMPLETED, FAILED); default 30 days. */
  opOccurrencesMs: number;
  /** Grants no op occurrence in progress needs any more; default 30 days. */
  grantsMs: number;
  /** Delivered and given-up notifications; default 1 day. */
  deliveredNotificationsMs: number;
}

const DAY_MS = 24 * 3600_000;
const DEFAULTS: RetentionOptions = {
  opOccurrencesMs: 30 * DAY_MS,
  grantsMs: 30 * DAY_MS,
  deliveredNotificationsMs: DAY_MS,
};
// As NotificationDeliveryWorker: a notification waits at most this long by default.
const DEFAULT_DELIVERY_MAX_AGE_MS = DAY_MS;

/** What one {@link RetentionPruner.prune} deleted. */
export interface RetentionSummary {
  opOccurrences: number;
  grants: number;
  deliveredNotifications: number;
}

/** The records the pruner deletes from. */
export interface RetentionTargets {
  opOccs: Pick<AppLcmOpOccStore, 'deleteEndedBefore'>;
  grants: Pick<GrantStore, 'deleteSettledBefore'>;
  outbox: Pick<NotificationOutbox, 'deleteSettledBefore'>;
}

/** The scheduled task id: one replica per round (scope global). */
export const RETENTION_TASK_ID = 'mec-retention';

/**
 * Deletes what is settled and old: ended op occurrences (with their
 * grants), grants no operation in progress needs, and delivered or
 * given-up notifications. What live resources refer to stays: the latest
 * op occurrence of every app instance, the grant of an op occurrence in
 * progress or FAILED_TEMP, and the notifications still to deliver. Op
 * occurrences are kept at least as long as a notification may wait for
 * its subscriber (`mec.notifications.delivery.maxAge`), so that the links
 * of a notification delivered late still resolve.
 *
 * @public
 */
export class RetentionPruner {
  /** Reads `mec.retention` (see config.d.ts). */
  static fromConfig(
    config: Config,
    deps: RetentionTargets & { logger: LoggerService },
  ): RetentionPruner {
    const duration = (key: string): number | undefined =>
      config.has(key)
        ? durationToMilliseconds(readDurationFromConfig(config, { key }))
        : undefined;
    const frequency = config.has('mec.retention.frequency')
      ? readDurationFromConfig(config, { key: 'mec.retention.frequency' })
      : undefined;
    return RetentionPruner.create({
      ...deps,
      frequency,
      deliveryMaxAgeMs: duration('mec.notifications.delivery.maxAge'),
      options: {
        opOccurrencesMs: duration('mec.retention.opOccurrences'),
        grantsMs: duration('mec.retention.grants'),
        deliveredNotificationsMs: duration(
          'mec.retention.deliveredNotifications',
        ),
      },
    });
  }

  static create(
    deps: RetentionTargets & {
      logger: LoggerService;
      options?: Partial<RetentionOptions>;
      /** How often a round runs; default 1 hour. */
      frequency?: HumanDuration;
      /** `mec.notifications.delivery.maxAge`; the floor of the op occurrences' age. */
      deliveryMaxAgeMs?: number;
      /** Current time in ms; replaceable in tests. */
      now?: () => number;
    },
  ): RetentionPruner {
    const defined = Object.fromEntries(
      Object.entries(deps.options ?? {}).filter(([, v]) => v !== undefined),
    );
    const options: RetentionOptions = { ...DEFAULTS, ...defined };
    for (const [key, value] of Object.entries(options)) {
      if (!(value > 0)) {
        throw new Error(`mec.retention: ${key} must be a positive duration`);
      }
    }
    const floor = deps.deliveryMaxAgeMs ?? DEFAULT_DELIVERY_MAX_AGE_MS;
    if (options.opOccurrencesMs < floor) {
      deps.logger.warn(
        `mec.retention.opOccurrences is shorter than mec.notifications.delivery.maxAge; op occurrences are kept ${floor} ms, so that late notifications' links resolve`,
      );
      options.opOccurrencesMs = floor;
    }
    return new RetentionPruner(
      deps,
      deps.logger,
      options,
      deps.frequency ?? { hours: 1 },
      deps.now ?? Date.now,
    );
  }

  private constructor(
    private readonly targets: RetentionTargets,
    private readonly logger: LoggerService,
    readonly options: RetentionOptions,
    private readonly frequency: HumanDuration,
    private readonly now: () => number,
  ) {}

  /** Schedules a round every `frequency`, on one replica at a time. */
  async start(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: RETENTION_TASK_ID,
      frequency: this.frequency,
      timeout: { minutes: 30 },
      initialDelay: { minutes: 1 },
      scope: 'global',
      fn: async () => {
        try {
          await this.prune();
        } catch (error) {
          this.logger.error(`Retention round failed: ${stringifyError(error)}`);
        }
      },
    });
  }

  /** Deletes everything past its retention now. */
  async prune(): Promise<RetentionSummary> {
    const now = this.now();
    const before = (ms: number) => new Date(now - ms);
    const ended = await this.targets.opOccs.deleteEndedBefore(
      before(this.options.opOccurrencesMs),
    );
    const grants = await this.targets.grants.deleteSettledBefore(
      before(this.options.grantsMs),
    );
    const deliveredNotifications =
      await this.targets.outbox.deleteSettledBefore(
        before(this.options.deliveredNotificationsMs),
      );
    const summary: RetentionSummary = {
      opOccurrences: ended.opOccurrences,
      grants: ended.grants + grants,
      deliveredNotifications,
    };
    if (Object.values(summary).some(count => count > 0)) {
      this.logger.info(
        `Retention: deleted ${summary.opOccurrences} op occurrences, ${summary.grants} grants and ${summary.deliveredNotifications} settled notifications`,
      );
    }
    return summary;
  }
}
