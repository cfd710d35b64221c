import type {
  NotificationPayload,
  NotificationSeverity,
} from '@backstage/plugin-notifications-common';
import {
  instanceEntityName,
  MEC_APP_INSTANCE_KIND,
} from '@helmmec/plugin-mec-common';
import type { AppInstance, AppLcmOpOcc, LcmCommand } from '../lifecycle/model';

/** Who a portal notification goes to, and what it says. */
export interface PortalMessage {
  /** Entity refs: users, groups, or entities whose owner is told. */
  recipients: string[];
  payload: NotificationPayload;
}

/** How each outcome of an operation reads, and how much it matters. */
const OUTCOMES: Record<
  string,
  { phrase: string; severity: NotificationSeverity; next?: string }
> = {
  COMPLETED: { phrase: 'completed', severity: 'normal' },
  FAILED_TEMP: {
    phrase: 'failed',
    severity: 'high',
    next: 'Retry it or give it up on the instance page.',
  },
  FAILED: { phrase: 'failed for good', severity: 'critical' },
  ROLLED_BACK: {
    phrase: 'failed and was rolled back',
    severity: 'high',
    next: 'The instance runs its previous revision.',
  },
};

/** The op occurrence states a portal user hears of: how operations end. */
export function isOutcome(operationState: string): boolean {
  return operationState in OUTCOMES;
}

/** The operation in words, e.g. "Instantiation", "Stop". */
function operationName(command: Pick<LcmCommand, 'lcmOperation'>): string {
  switch (command.lcmOperation) {
    case 'INSTANTIATE':
      return 'Instantiation';
    case 'TERMINATE':
      return 'Termination';
    case 'OPERATE':
      return (command as { changeStateTo?: string }).changeStateTo === 'STOPPED'
        ? 'Stop'
        : 'Start';
    case 'CHANGE_APP_PKG':
      return 'Package change';
    default:
      return `Operation ${command.lcmOperation}`;
  }
}

/** A user's entity ref, from a recorded principal (`service:…` is none). */
function userOf(principal: string | undefined): string | undefined {
  return principal?.toLocaleLowerCase('en-US').startsWith('user:')
    ? principal
    : undefined;
}

/** The instance's entity in the catalog: the notifications backend tells its owner. */
export function instanceEntityRef(
  instance: Pick<AppInstance, 'id' | 'appInstanceName' | 'appName'>,
): string {
  return `${MEC_APP_INSTANCE_KIND.toLocaleLowerCase(
    'en-US',
  )}:default/${instanceEntityName(instance)}`;
}

/**
 * What the portal says when an operation on an instance ends: to the user
 * who asked for it and the one who created the instance (services are
 * nobody to tell), and to the owner of the instance's catalog entity. One
 * notification per op occurrence (its scope), updated as it moves on, e.g.
 * from FAILED_TEMP to COMPLETED after a retry; one topic per instance, so
 * that a user may mute an instance.
 */
export function opOccOutcomeMessage(
  instance: Pick<
    AppInstance,
    'id' | 'appInstanceName' | 'appName' | 'appSoftVersion'
  > &
    Partial<Pick<AppInstance, 'hostName' | 'createdBy'>>,
  opOcc: Pick<AppLcmOpOcc, 'id' | 'command' | 'requestedBy'> & {
    operationState: string;
    error?: { title?: string };
  },
): PortalMessage | undefined {
  const outcome = OUTCOMES[opOcc.operationState];
  if (!outcome) return undefined;
  const name = instance.appInstanceName
    ? `'${instance.appInstanceName}'`
    : `${instance.appName} instance ${instance.id.slice(0, 8)}`;
  const where = instance.hostName ? ` on edge host ${instance.hostName}` : '';
  // The error's title is one of our fixed phrases; its detail (helm's
  // output, host addresses) stays on the instance page.
  const why =
    opOcc.operationState !== 'COMPLETED' && opOcc.error?.title
      ? ` ${opOcc.error.title}.`
      : '';
  const entityRef = instanceEntityRef(instance);
  const recipients = [
    ...new Set(
      [userOf(opOcc.requestedBy), userOf(instance.createdBy), entityRef].filter(
        (ref): ref is string => ref !== undefined,
      ),
    ),
  ];
  return {
    recipients,
    payload: {
      title: `${operationName(opOcc.command)} of ${name} ${outcome.phrase}`,
      description: `MEC application ${instance.appName} ${
        instance.appSoftVersion
      }${where}.${why}${outcome.next ? ` ${outcome.next}` : ''}`,
      link: `/mec/instances/${encodeURIComponent(instance.id)}`,
      severity: outcome.severity,
      topic: `mec:instance:${entityRef.slice(entityRef.indexOf('/') + 1)}`,
      scope: `mec:app-lcm-op-occ:${opOcc.id}`,
      metadata: {
        appInstanceId: instance.id,
        appLcmOpOccId: opOcc.id,
        lcmOperation: opOcc.command.lcmOperation,
        operationState: opOcc.operationState,
      },
    },
  };
}

/**
 * What the portal tells platform admins when an edge host becomes
 * unreachable or reachable again: fixed phrases, never what the check
 * answered (addresses, TLS and proxy errors stay in the log). One
 * notification per host, updated with each change.
 */
export function hostReachabilityMessage(
  change: { hostName: string; reachable: boolean },
  platformAdmins: readonly string[],
): PortalMessage | undefined {
  if (platformAdmins.length === 0) return undefined;
  const { hostName, reachable } = change;
  const news: Pick<NotificationPayload, 'title' | 'description' | 'severity'> =
    reachable
      ? {
          title: `Edge host ${hostName} is reachable again`,
          description:
            'Its Kubernetes API answers health checks again; placement considers it again.',
          severity: 'normal',
        }
      : {
          title: `Edge host ${hostName} is unreachable`,
          description:
            "Its Kubernetes API does not answer health checks; no instance is placed there until it does. The backend's log says why.",
          severity: 'high',
        };
  return {
    recipients: [...platformAdmins],
    payload: {
      ...news,
      link: `/mec/hosts/${encodeURIComponent(hostName)}`,
      topic: `mec:edge-host:${hostName}`,
      scope: `mec:edge-host-reachability:${hostName}`,
      metadata: { hostName, reachable },
    },
  };
}
