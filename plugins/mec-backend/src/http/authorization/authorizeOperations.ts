import { NotAllowedError } from '@backstage/errors';
import express, { RequestHandler } from 'express';
import { toExpressPath } from '../methodNotAllowed';
import { MecAuthorizer } from './MecAuthorizer';
import { DECLARABLE_PERMISSIONS } from './mecClients';

/** An operation of one of the plugin's routers and the permission it needs. */
export interface MecOperation {
  /** Lower-case HTTP method, or `all` for a route taking every method. */
  method: 'get' | 'put' | 'post' | 'patch' | 'delete' | 'all';
  /** The route path, as the router registers it (`/hosts/:name`). */
  path: string;
  /** Name of the permission the operation needs; none means nobody may call it. */
  permission?: string;
}

/** The extension naming an OpenAPI operation's permission. */
export const PERMISSION_EXTENSION = 'x-mec-permission';

const OPENAPI_METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/**
 * The operations of an OpenAPI document with their `x-mec-permission`, and
 * `GET /openapi.json`, which Backstage's validated router serves beside
 * them, with the permission given for reading the document itself (a router
 * serving no document gives none).
 */
export function operationsOf(
  spec: { paths: Record<string, Record<string, unknown>> },
  documentPermission?: string,
): MecOperation[] {
  const operations: MecOperation[] = Object.entries(spec.paths).flatMap(
    ([path, item]) =>
      OPENAPI_METHODS.filter(method => item[method]).map(method => ({
        method,
        path: toExpressPath(path),
        permission: (item[method] as Record<string, unknown>)[
          PERMISSION_EXTENSION
        ] as string | undefined,
      })),
  );
  return documentPermission
    ? [
        ...operations,
        {
          method: 'get',
          path: '/openapi.json',
          permission: documentPermission,
        },
      ]
    : operations;
}

/**
 * Checks each operation's permission on a router of its own, mounted at the
 * same path as the router that serves the operations, before it. Express
 * matches both alike — case-insensitively, with or without a trailing
 * slash — so every spelling that reaches a handler has passed its check.
 * An operation declaring no known permission is refused to everyone.
 */
export function authorizeOperations(
  operations: MecOperation[],
  authorizer: MecAuthorizer,
): RequestHandler {
  const router = express.Router();
  for (const { method, path, permission: name } of operations) {
    const permission = name ? DECLARABLE_PERMISSIONS.get(name) : undefined;
    router[method](path, (req, _res, next) => {
      if (!permission) {
        next(
          new NotAllowedError(
            `${req.method} ${req.baseUrl}${req.path} declares no known permission`,
          ),
        );
        return;
      }
      // Once authorized, leave this router: nothing else in it applies.
      authorizer.authorize(req, permission).then(() => next('router'), next);
    });
  }
  // Express would answer OPTIONS itself at the end of this router; no
  // handler serves OPTIONS, so let it reach the API's own 405 answer.
  return (req, res, next) =>
    req.method === 'OPTIONS' ? next() : router(req, res, next);
}
