import {
  AuditorService,
  AuditorServiceEvent,
  AuditorServiceEventSeverityLevel,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import { MEC_API_ROOTS } from '@helmmec/plugin-mec-common';
import { RequestHandler } from 'express';
import { STATUS_CODES } from 'node:http';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// One path segment, captured: the id of the resource acted on.
const ID = '([^/]+)';
const pkgm = `/${MEC_API_ROOTS.appPkgm}`;
const lcm = `/${MEC_API_ROOTS.appLcm}`;
const granting = `/${MEC_API_ROOTS.granting}`;
const pkg = `${pkgm}/(?:app_packages|onboarded_app_packages)/${ID}`;
const inst = `${lcm}/app_instances/${ID}`;
const op = `${lcm}/app_lcm_op_occs/${ID}`;
const subscriptions = `(?:${pkgm}|${lcm})/subscriptions`;

/**
 * Audited kinds of resource, as auditor event ids. The auditor adds the
 * plugin id (`mec`) itself, so the ids carry no prefix.
 */
export type MecAuditEventId =
  | 'app-package'
  | 'app-instance'
  | 'app-lcm-op-occ'
  | 'subscription'
  | 'grant'
  | 'edge-host'
  | 'unrouted-change';

interface AuditRule {
  method: string;
  path: RegExp;
  eventId: MecAuditEventId;
  /** The ETSI (or hosts API) operation, in kebab-case. */
  action: string;
}

function rule(
  method: string,
  path: string,
  eventId: MecAuditEventId,
  action: string,
): AuditRule {
  return { method, path: new RegExp(`^${path}/?$`), eventId, action };
}

/** Every changing operation of the ETSI APIs and the hosts API. */
const RULES: AuditRule[] = [
  rule('POST', `${pkgm}/app_packages`, 'app-package', 'create'),
  rule('PUT', `${pkg}/package_content`, 'app-package', 'upload-content'),
  rule('PUT', `${pkg}/appd`, 'app-package', 'replace-appd'),
  rule('PATCH', pkg, 'app-package', 'change-state'),
  rule('DELETE', pkg, 'app-package', 'delete'),
  rule('POST', `${lcm}/app_instances`, 'app-instance', 'create'),
  rule('DELETE', inst, 'app-instance', 'delete'),
  rule('POST', `${inst}/instantiate`, 'app-instance', 'instantiate'),
  rule('POST', `${inst}/operate`, 'app-instance', 'operate'),
  rule('POST', `${inst}/terminate`, 'app-instance', 'terminate'),
  rule('POST', `${op}/cancel`, 'app-lcm-op-occ', 'cancel'),
  rule('POST', `${op}/retry`, 'app-lcm-op-occ', 'retry'),
  rule('POST', `${op}/fail`, 'app-lcm-op-occ', 'fail'),
  rule('POST', subscriptions, 'subscription', 'subscribe'),
  rule('DELETE', `${subscriptions}/${ID}`, 'subscription', 'unsubscribe'),
  rule('POST', `${granting}/grants`, 'grant', 'request'),
  rule('POST', '/hosts', 'edge-host', 'register'),
  rule('PATCH', `/hosts/${ID}`, 'edge-host', 'update'),
  rule('DELETE', `/hosts/${ID}`, 'edge-host', 'delete'),
  rule('POST', `/hosts/${ID}/check`, 'edge-host', 'check'),
];

// The APIs whose changes are audited: not the Kubernetes proxy (read-only)
// nor the Helm chart repository (read-only).
const AUDITED_ROOTS = new RegExp(
  `^(?:${pkgm}|${lcm}|${granting}|/hosts|/edge_drivers|/placement)(?:/|$)`,
);

// Deleting things and terminating applications cannot be undone.
const isIrreversible = (method: string, action: string) =>
  method === 'DELETE' || action === 'terminate';

/** What the auditor is told about a changing request, before it runs. */
export interface MecAuditEntry {
  eventId: MecAuditEventId;
  severityLevel: AuditorServiceEventSeverityLevel;
  meta: { action: string; method: string; resourceId?: string };
}

/**
 * The audit entry for a request, by method and path relative to the
 * plugin's router; undefined for requests that change nothing.
 */
export function auditEntryFor(
  method: string,
  path: string,
): MecAuditEntry | undefined {
  if (!MUTATING_METHODS.has(method)) {
    return undefined;
  }
  for (const r of RULES) {
    const match = r.method === method ? r.path.exec(path) : null;
    if (match) {
      const resourceId = match[1] && safeDecode(match[1]);
      return {
        eventId: r.eventId,
        severityLevel: isIrreversible(method, r.action) ? 'high' : 'medium',
        meta: {
          action: r.action,
          method,
          ...(resourceId ? { resourceId } : {}),
        },
      };
    }
  }
  if (!AUDITED_ROOTS.test(path)) {
    return undefined;
  }
  // Attempts at changes no route takes are answered 404 or 405; they are
  // still recorded, as who tried what is the point of an audit trail.
  return {
    eventId: 'unrouted-change',
    severityLevel: 'medium',
    meta: { action: method.toLowerCase(), method },
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Records every changing request through Backstage's auditor service: the
 * auditor takes the caller and the URL from the request, the entry adds the
 * resource kind, the operation and the resource id, and the outcome is
 * recorded when the response is finished: success for 2xx and 3xx, failure
 * with the status and its ProblemDetails title otherwise. Request bodies
 * are never recorded (they may carry edge host credentials).
 *
 * Mounted on the plugin's router, after authentication, so that the caller
 * is known, and before the permission check, so that refused attempts are
 * recorded too.
 */
export function auditChanges(options: {
  auditor: AuditorService;
  logger: LoggerService;
}): RequestHandler {
  const { auditor, logger } = options;
  return async (req, res, next) => {
    const entry = auditEntryFor(req.method, req.path);
    if (!entry) {
      next();
      return;
    }
    let event: AuditorServiceEvent;
    try {
      // Failing to record is failing the request: no unaudited changes.
      event = await auditor.createEvent({ ...entry, request: req });
    } catch (error) {
      next(error);
      return;
    }
    let recorded = false;
    const record = (finished: boolean) => {
      if (recorded) {
        return;
      }
      recorded = true;
      const status = res.statusCode;
      const outcome =
        finished && status < 400
          ? event.success({ meta: { status } })
          : event.fail({
              error: new Error(
                finished
                  ? `${status} ${STATUS_CODES[status] ?? 'Error'}`
                  : 'The connection closed before the response was sent',
              ),
              meta: finished
                ? { status, title: STATUS_CODES[status] ?? 'Error' }
                : { status: 'connection-closed' },
            });
      outcome.catch(error =>
        logger.error(
          `Could not record the outcome of ${req.method} ${
            req.originalUrl
          }: ${stringifyError(error)}`,
        ),
      );
    };
    res.once('finish', () => record(true));
    res.once('close', () => record(res.writableFinished));
    next();
  };
}
