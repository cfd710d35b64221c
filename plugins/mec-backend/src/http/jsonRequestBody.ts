import { InputError } from '@backstage/errors';
import express, { RequestHandler } from 'express';

/**
 * How deeply JSON request bodies may nest (our limit, not ETSI's). No MEC
 * request needs more than a handful of levels; without a limit a body nested
 * thousands of levels deep overflows the stack of the recursive code that
 * validates, copies and stores it.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Checks a parsed JSON value: objects and arrays nest at most `maxDepth`
 * levels and no string (value or key) holds NUL, which PostgreSQL cannot
 * store in a text column. Walks with its own stack, so the check itself
 * cannot overflow on the inputs it refuses.
 *
 * @throws InputError naming the first violation.
 */
export function checkJsonValue(value: unknown, maxDepth: number): void {
  const pending: Array<{ value: unknown; depth: number }> = [
    { value, depth: 0 },
  ];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const current = next.value;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) {
        throw new InputError('Strings in the request body must not hold NUL');
      }
      continue;
    }
    if (typeof current !== 'object' || current === null) {
      continue;
    }
    const depth = next.depth + 1;
    if (depth > maxDepth) {
      throw new InputError(
        `The request body nests deeper than ${maxDepth} levels`,
      );
    }
    if (Array.isArray(current)) {
      for (const item of current) {
        pending.push({ value: item, depth });
      }
    } else {
      for (const [key, item] of Object.entries(current)) {
        pending.push({ value: key, depth }, { value: item, depth });
      }
    }
  }
}

/**
 * Parses JSON request bodies as express.json() does, then refuses (400)
 * bodies that nest too deeply or hold NUL in a string, and URLs that hold an
 * encoded NUL, before any validator or handler sees them. Mounted ahead of the
 * ETSI routers, whose own express.json() then finds the body already parsed.
 */
export function jsonRequestBody(
  options: { maxDepth?: number } = {},
): RequestHandler[] {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  return [
    (req, _res, next) => {
      // A raw NUL cannot appear in a request line; an encoded one would reach
      // path parameters and queries, which PostgreSQL refuses with a 500.
      if (/%00/.test(req.originalUrl)) {
        next(new InputError('The request URL must not hold NUL'));
        return;
      }
      next();
    },
    express.json(),
    (req, _res, next) => {
      if (req.body !== undefined) {
        checkJsonValue(req.body, maxDepth);
      }
      next();
    },
  ];
}
