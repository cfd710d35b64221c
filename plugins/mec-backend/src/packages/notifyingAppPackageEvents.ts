import { NotificationOutbox, publishPackageEvent } from '../notifications';
import { AppPackageEvents } from './AppPackageEvents';

/**
 * Package events as ETSI AppPkgNotifications: queued in the notification
 * outbox inside the state change's transaction, delivered after commit.
 *
 * @param apiBase - externally visible `{apiRoot}/app_pkgm/v1`
 */
export function notifyingAppPackageEvents(
  outbox: NotificationOutbox,
  apiBase: () => Promise<string>,
): AppPackageEvents {
  return {
    async publish(trx, notificationType, pkg) {
      await publishPackageEvent(outbox, trx, {
        notificationType,
        appPkgId: pkg.id,
        appDId: pkg.appDId ?? '',
        appProvider: pkg.appProvider,
        appName: pkg.appName ?? pkg.appPkgName,
        appSoftwareVersion: pkg.appSoftwareVersion ?? pkg.appPkgVersion,
        appDVersion: pkg.appDVersion ?? '',
        operationalState: pkg.operationalState,
        usageState: pkg.usageState,
        apiBase: await apiBase(),
      });
    },
  };
}
