export {
  SubscriptionStore,
  type NewSubscription,
  type SubscriptionApi,
  type SubscriptionAuthentication,
  type SubscriptionRecord,
} from './SubscriptionStore';
export {
  NotificationOutbox,
  type EventSubject,
  type PublishRequest,
  type PublishedEvent,
  type PublishResult,
} from './NotificationOutbox';
export {
  NotificationDeliveryWorker,
  NOTIFICATION_DELIVERY_TASK_ID,
  type DeliveryRunSummary,
  type NotificationDeliveryOptions,
} from './NotificationDeliveryWorker';
export { validateSubscriptionAuthentication } from './CallbackAuthenticator';
export {
  appPkgmNotifications,
  publishPackageEvent,
  matchesAppPkgFilters,
  APP_PKG_SUBSCRIPTION_TYPES,
  type AppPackageEvent,
  type AppPkgFilter,
  type AppPkgNotificationType,
  type AppPkgSubscriptionType,
} from './appPkgm';
