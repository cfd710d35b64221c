import {
  NotificationDeliveryWorker,
  NotificationOutbox,
  SubscriptionStore,
} from '../notifications';
import { MecCore } from './types';

/**
 * Subscriptions and the transactional outbox of ETSI notifications, with
 * the worker that delivers them (`mec.notifications`).
 */
export async function buildNotifications(core: MecCore) {
  const { config, knex, logger, outboundPolicy, scheduler, cipher } = core;
  const subscriptions = SubscriptionStore.create({ knex, cipher });
  const outbox = NotificationOutbox.create({ knex });
  const deliveryWorker = NotificationDeliveryWorker.fromConfig(config, {
    knex,
    outboundPolicy,
    logger,
    cipher,
  });
  // Deliver right after a commit rather than at the next poll, and let the
  // catalog mirror the change at once.
  outbox.onPublished(event => {
    if (event.deliveries > 0) deliveryWorker.wake();
    core.announceChange({
      api: event.api,
      notificationTypes: event.subscriptionTypes,
      ...event.subject,
    });
  });
  await deliveryWorker.start(scheduler);
  core.lifecycle.addShutdownHook(() => deliveryWorker.stop());
  return { subscriptions, outbox };
}
