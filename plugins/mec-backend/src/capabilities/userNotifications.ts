import type { NotificationService } from '@backstage/plugin-notifications-node';
import { EdgeHostService } from '../hosts';
import { AppLifecycleService } from '../lifecycle/AppLifecycleService';
import { AppLcmNotifications } from '../notifications/appLcm';
import { PortalNotifier } from '../userNotifications';
import { MecCore } from './types';

/**
 * Portal notifications (`mec.notifications.portal`) through Backstage's
 * notifications plugin: fed by the lifecycle's op occurrence states and the
 * edge hosts' reachability, each as the replica that persisted it tells.
 */
export function buildUserNotifications(
  core: MecCore,
  deps: {
    notifications: NotificationService;
    lifecycle: AppLifecycleService;
    appLcmNotifications: AppLcmNotifications;
    hosts: EdgeHostService;
  },
): PortalNotifier {
  const notifier = PortalNotifier.fromConfig(core.config, {
    notifications: deps.notifications,
    lifecycle: deps.lifecycle,
    logger: core.logger,
  });
  deps.appLcmNotifications.onOpOccState(change =>
    notifier.opOccStateChanged(change),
  );
  deps.hosts.onReachabilityChanged(change =>
    notifier.hostReachabilityChanged(change),
  );
  core.lifecycle.addShutdownHook(() => notifier.idle());
  return notifier;
}
