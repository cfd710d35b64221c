import { HttpAuthService } from '@backstage/backend-plugin-api';
import { RequestHandler } from 'express';

/**
 * Requires user or service credentials on every request. The plugin's routes
 * are registered as unauthenticated with the http router only so that this
 * check, not Backstage's default one, answers: a missing or wrong bearer
 * token then gets an ETSI ProblemDetails body like every other error.
 */
export function authenticate(httpAuth: HttpAuthService): RequestHandler {
  return async (req, _res, next) => {
    try {
      await httpAuth.credentials(req, { allow: ['user', 'service'] });
      next();
    } catch (error) {
      next(error);
    }
  };
}
