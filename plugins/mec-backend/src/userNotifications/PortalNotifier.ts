import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { stringifyError } from '@backstage/errors';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { EdgeHostReachabilityChange } from '../hosts';
import type { AppLifecycleService } from '../lifecycle/AppLifecycleService';
import type { OpOccStateChange } from '../notifications/appLcm';
import {
  hostReachabilityMessage,
  isOutcome,
  opOccOutcomeMessage,
  PortalMessage,
} from './messages';

/** Dependencies of {@link PortalNotifier}. */
export interface PortalNotifierDeps {
  /** Backstage's notifications service (`@backstage/plugin-notifications-node`). */
  notifications: NotificationService;
  /** Reads the op occurrence and instance a change is about. */
  lifecycle: Pick<AppLifecycleService, 'getOpOcc' | 'getInstance'>;
  logger: LoggerService;
}

/** Settings of {@link PortalNotifier}. */
export interface PortalNotifierOptions {
  /** `mec.notifications.portal.enabled`; default true. */
  enabled: boolean;
  /** Entity refs of the platform admins (`mec.permissions.roles.platformAdmin`). */
  platformAdmins: string[];
}

/**
 * A catalog entity ref as the policy module reads role members: kind
 * `group` and namespace `default` unless given.
 */
export function toRoleEntityRef(ref: string): string {
  const match = /^(?:([^:/]+):)?(?:([^:/]+)\/)?([^:/]+)$/.exec(ref.trim());
  if (!match) return ref.trim();
  const [, kind = 'group', namespace = 'default', name] = match;
  return `${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US');
}

/**
 * Tells portal users, through Backstage's notifications plugin, how the
 * lifecycle operations they asked for end, and platform admins when an
 * edge host becomes unreachable or reachable again. It is fed the state
 * changes as they are committed, in the one replica that committed each,
 * so every change is told once. Sending runs beside the operation: a
 * notifications service that is down or refuses is logged, never the
 * operation's problem.
 */
export class PortalNotifier {
  /** Reads `mec.notifications.portal` and `mec.permissions.roles.platformAdmin`. */
  static fromConfig(config: Config, deps: PortalNotifierDeps): PortalNotifier {
    return new PortalNotifier(deps, {
      enabled:
        config.getOptionalBoolean('mec.notifications.portal.enabled') ?? true,
      platformAdmins: (
        config.getOptionalStringArray('mec.permissions.roles.platformAdmin') ??
        []
      ).map(toRoleEntityRef),
    });
  }

  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: PortalNotifierDeps,
    private readonly options: PortalNotifierOptions,
  ) {}

  /** An op occurrence entered a state (committed): tells an outcome. */
  opOccStateChanged(change: OpOccStateChange): void {
    if (!this.options.enabled || !isOutcome(change.opOcc.operationState)) {
      return;
    }
    this.track(`the outcome of op occurrence ${change.opOcc.id}`, async () => {
      const { lifecycle } = this.deps;
      // Who asked and who created the instance are read, not carried
      // through every state change; the state is the one committed.
      const [opOcc, instance] = await Promise.all([
        lifecycle.getOpOcc(change.opOcc.id),
        // Deleted meanwhile: what the change names is enough to tell.
        lifecycle.getInstance(change.instance.id).catch(() => change.instance),
      ]);
      return opOccOutcomeMessage(instance, {
        ...opOcc,
        operationState: change.opOcc.operationState,
        error: change.opOcc.error ?? opOcc.error,
      });
    });
  }

  /** A host became unreachable or reachable again (committed). */
  hostReachabilityChanged(change: EdgeHostReachabilityChange): void {
    if (!this.options.enabled) return;
    this.track(`edge host ${change.hostName} reachability`, async () =>
      hostReachabilityMessage(change, this.options.platformAdmins),
    );
  }

  /** Waits for the notifications being sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private track(
    what: string,
    compose: () => Promise<PortalMessage | undefined>,
  ): void {
    const sending = (async () => {
      try {
        const message = await compose();
        if (!message || message.recipients.length === 0) return;
        await this.deps.notifications.send({
          recipients: { type: 'entity', entityRef: message.recipients },
          payload: message.payload,
        });
      } catch (error) {
        this.deps.logger.warn(
          `Could not notify portal users of ${what}: ${stringifyError(error)}`,
        );
      }
    })();
    this.inFlight.add(sending);
    sending.finally(() => this.inFlight.delete(sending));
  }
}
