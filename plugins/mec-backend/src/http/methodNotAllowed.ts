import Router from 'express-promise-router';

const HTTP_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'patch',
  'head',
  'options',
];

/** An OpenAPI path template as an Express route path: `{id}` becomes `:id`. */
export function toExpressPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** A method that the resource exists for but does not support. */
export class MethodNotAllowedError extends Error {
  name = 'MethodNotAllowedError';
  status = 405;
}

/** Whether an operation can succeed: it documents a 2xx response. */
function isServed(operation: unknown): boolean {
  const responses = (operation as { responses?: Record<string, unknown> })
    ?.responses;
  return Object.keys(responses ?? {}).some(status => /^2/.test(status));
}

/**
 * Answers 405 with an `Allow` header for methods an OpenAPI document does not
 * define on a path it does define, or defines only to refuse (such as POST
 * on an AppD, 7.3.6.3.1). `Allow` lists the methods that can succeed. Mount
 * it after the API's own routes.
 */
export function methodNotAllowed(spec: {
  paths: Record<string, Record<string, unknown>>;
}) {
  const router = Router();
  for (const [path, item] of Object.entries(spec.paths)) {
    const allowed = Object.entries(item)
      .filter(
        ([key, operation]) => HTTP_METHODS.includes(key) && isServed(operation),
      )
      .map(([method]) => method.toUpperCase());
    if (allowed.includes('GET')) allowed.push('HEAD');
    router.all(toExpressPath(path), async (req, res) => {
      res.setHeader('Allow', allowed.join(', '));
      throw new MethodNotAllowedError(
        `${
          req.method
        } is not supported on this resource; allowed: ${allowed.join(', ')}`,
      );
    });
  }
  return router;
}
