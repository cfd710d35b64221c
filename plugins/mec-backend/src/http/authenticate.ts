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

/**
 * Lets clients that only speak HTTP Basic — helm and Flux source-controller
 * pulling from the MEO's chart repository — present an API token as the
 * password (any user name). The token is then checked like a bearer token.
 */
export function basicAuthAsBearer(): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header && /^Basic\s+(\S+)$/i.exec(header);
    if (match) {
      const decoded = Buffer.from(match[1], 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      req.headers.authorization = `Bearer ${password}`;
    }
    next();
  };
}
