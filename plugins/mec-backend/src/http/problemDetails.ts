import { LoggerService } from '@backstage/backend-plugin-api';
import { isError, NotFoundError } from '@backstage/errors';
import type { ProblemDetails } from '@helmmec/plugin-mec-common';
import { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { STATUS_CODES } from 'node:http';

/** The media type of ETSI MEC ProblemDetails bodies (RFC 7807). */
export const PROBLEM_JSON = 'application/problem+json';

// Backstage error classes, by name, to HTTP status. Errors from express
// middleware (body parsing, OpenAPI validation) carry their own status.
const statusByErrorName: Record<string, number> = {
  InputError: 400,
  AuthenticationError: 401,
  NotAllowedError: 403,
  NotFoundError: 404,
  MethodNotAllowedError: 405,
  ConflictError: 409,
  NotModifiedError: 304,
  NotImplementedError: 501,
  ServiceUnavailableError: 503,
};

/** Sends a ProblemDetails response. */
export function sendProblem(
  res: Response,
  status: number,
  detail: string,
  instance?: string,
): void {
  const problem: ProblemDetails = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(instance ? { instance } : {}),
  };
  res.status(status).type(PROBLEM_JSON).send(JSON.stringify(problem));
}

function statusOf(error: Error): number {
  const fromName = statusByErrorName[error.name];
  if (fromName) {
    return fromName;
  }
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ??
    (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 600) {
    return status;
  }
  return 500;
}

/**
 * Answers every request that no route took with a 404 ProblemDetails.
 */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(
      new NotFoundError(`No such resource: ${req.method} ${req.originalUrl}`),
    );
  };
}

/**
 * Turns any error into an ETSI ProblemDetails response. Client errors keep
 * their message; server errors are logged and answered without internals.
 */
export function problemDetailsErrorHandler(options: {
  logger: LoggerService;
}): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const err = isError(error) ? error : new Error(String(error));
    const status = statusOf(err);
    if (status >= 500) {
      options.logger.error(`${req.method} ${req.originalUrl} failed`, err);
      sendProblem(
        res,
        status,
        'The request could not be completed because of an internal error; see the backend log.',
        req.originalUrl,
      );
      return;
    }
    sendProblem(res, status, err.message, req.originalUrl);
  };
}
