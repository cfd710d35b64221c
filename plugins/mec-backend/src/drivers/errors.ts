import { CustomErrorBase } from '@backstage/errors';

/**
 * Why a driver operation did not complete. `timeout` and `unreachable` are
 * worth a retry once the fault clears; `aborted` follows a cancel.
 * @public
 */
export type DriverErrorReason =
  | 'timeout'
  | 'aborted'
  | 'failed'
  | 'unreachable';

/**
 * A driver operation failed; the message is meant for the op occurrence's
 * error details and never contains a credential.
 * @public
 */
export class EdgeDriverError extends CustomErrorBase {
  name = 'EdgeDriverError' as const;
  readonly reason: DriverErrorReason;

  constructor(reason: DriverErrorReason, message: string, cause?: unknown) {
    // The cause is kept for debugging but not appended to the message: the
    // message is already readable, and client exceptions are multi-line dumps.
    super(message);
    this.reason = reason;
    if (cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: cause, enumerable: false });
    }
  }
}

/** Status code of a `@kubernetes/client-node` ApiException, if it is one. */
export function kubeErrorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A one-line message for a Kubernetes API error: the Status message from the
 * body rather than the exception's multi-line dump with headers.
 */
export function kubeErrorMessage(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let body: any = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: use as is below
    }
  }
  if (body && typeof body === 'object' && typeof body.message === 'string') {
    return `${body.message} (HTTP ${e.code})`;
  }
  if (typeof e?.code === 'number' && typeof body === 'string' && body) {
    return `${body.slice(0, 300)} (HTTP ${e.code})`;
  }
  const msg = String(e?.message ?? error);
  return msg.split('\n')[0];
}

/** Wraps a Kubernetes API error with context; connection errors count as unreachable. */
export function kubeError(
  what: string,
  error: unknown,
  host?: string,
): EdgeDriverError {
  if (error instanceof EdgeDriverError) return error;
  const code = kubeErrorCode(error);
  const reason: DriverErrorReason =
    code === undefined || code >= 500 ? 'unreachable' : 'failed';
  const where = host ? ` on ${host}` : '';
  return new EdgeDriverError(
    reason,
    `${what}${where} failed: ${kubeErrorMessage(error)}`,
    error,
  );
}
