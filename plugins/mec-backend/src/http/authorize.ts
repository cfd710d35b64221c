import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  mecHostRegisterPermission,
  mecHostRemovePermission,
  mecInstanceCreatePermission,
  mecInstanceInstantiatePermission,
  mecInstanceOperatePermission,
  mecInstanceTerminatePermission,
  mecPackageDeletePermission,
  mecPackageOnboardPermission,
  mecPackageUpdatePermission,
} from '@helmmec/plugin-mec-common';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import { RequestHandler } from 'express';

const pkg = '/app_pkgm/v1/(?:app_packages/[^/]+|onboarded_app_packages/[^/]+)';
const inst = '/app_lcm/v1/app_instances/[^/]+';
const op = '/app_lcm/v1/app_lcm_op_occs/[^/]+';

/** Which permission each changing request needs, by method and path. */
const RULES: Array<[string, RegExp, BasicPermission, string]> = [
  [
    'POST',
    /^\/app_pkgm\/v1\/app_packages$/,
    mecPackageOnboardPermission,
    'onboard packages',
  ],
  [
    'PUT',
    new RegExp(`^${pkg}/package_content$`),
    mecPackageOnboardPermission,
    'onboard packages',
  ],
  [
    'PATCH',
    new RegExp(`^${pkg}$`),
    mecPackageUpdatePermission,
    'enable or disable packages',
  ],
  [
    'DELETE',
    new RegExp(`^${pkg}$`),
    mecPackageDeletePermission,
    'delete packages',
  ],
  [
    'POST',
    /^\/app_lcm\/v1\/app_instances$/,
    mecInstanceCreatePermission,
    'create application instances',
  ],
  [
    'DELETE',
    new RegExp(`^${inst}$`),
    mecInstanceCreatePermission,
    'delete application instances',
  ],
  [
    'POST',
    new RegExp(`^${inst}/instantiate$`),
    mecInstanceInstantiatePermission,
    'instantiate applications',
  ],
  [
    'POST',
    new RegExp(`^${inst}/operate$`),
    mecInstanceOperatePermission,
    'stop or start applications',
  ],
  [
    'POST',
    new RegExp(`^${op}/(retry|fail|cancel)$`),
    mecInstanceOperatePermission,
    'retry, fail or cancel operations',
  ],
  [
    'POST',
    new RegExp(`^${inst}/terminate$`),
    mecInstanceTerminatePermission,
    'terminate applications',
  ],
  ['POST', /^\/hosts$/, mecHostRegisterPermission, 'register edge hosts'],
  ['PATCH', /^\/hosts\/[^/]+$/, mecHostRegisterPermission, 'change edge hosts'],
  ['DELETE', /^\/hosts\/[^/]+$/, mecHostRemovePermission, 'remove edge hosts'],
];

/**
 * Enforces the mec permissions for portal users through Backstage's
 * permission framework. External MEO/OSS callers are services: what they
 * may do is set by their `backend.auth.externalAccess` entry instead.
 */
export function authorizeChanges(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
}): RequestHandler {
  return async (req, _res, next) => {
    try {
      const rule = RULES.find(
        ([method, path]) => method === req.method && path.test(req.path),
      );
      if (rule) {
        const credentials = await options.httpAuth.credentials(req);
        if ((credentials.principal as { type?: string }).type === 'user') {
          const [decision] = await options.permissions.authorize(
            [{ permission: rule[2] }],
            { credentials },
          );
          if (decision.result !== AuthorizeResult.ALLOW) {
            throw new NotAllowedError(
              `You are not allowed to ${rule[3]} (permission ${rule[2].name})`,
            );
          }
        }
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
