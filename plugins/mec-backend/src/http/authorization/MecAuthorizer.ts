import {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import { Request } from 'express';
import { readMecClients } from './mecClients';

/**
 * Decides whether the caller of a request holds a permission. Users are
 * asked of Backstage's permission policy; services — static external-access
 * tokens and other backend plugins, which the policy would let do anything —
 * hold what `mec.clients` gives their subject, and nothing if not listed.
 */
export class MecAuthorizer {
  static fromConfig(
    config: Config,
    deps: { httpAuth: HttpAuthService; permissions: PermissionsService },
  ): MecAuthorizer {
    return new MecAuthorizer({ ...deps, clients: readMecClients(config) });
  }

  constructor(
    private readonly options: {
      httpAuth: HttpAuthService;
      permissions: PermissionsService;
      /** Permission names per service subject (see readMecClients). */
      clients: ReadonlyMap<string, ReadonlySet<string>>;
    },
  ) {}

  /** Throws NotAllowedError, naming the permission, unless the caller holds it. */
  async authorize(req: Request, permission: BasicPermission): Promise<void> {
    const credentials = await this.options.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (!(await this.holds(credentials, permission))) {
      const { principal } = credentials;
      throw new NotAllowedError(
        principal.type === 'service'
          ? `Client '${principal.subject}' does not hold permission ${permission.name} (see mec.clients)`
          : `You do not hold permission ${permission.name}`,
      );
    }
  }

  /** Whether the caller holds the permission, for what a response leaves out. */
  async isAllowed(req: Request, permission: BasicPermission): Promise<boolean> {
    const credentials = await this.options.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    return this.holds(credentials, permission);
  }

  private async holds(
    credentials: BackstageCredentials<
      BackstageUserPrincipal | BackstageServicePrincipal
    >,
    permission: BasicPermission,
  ): Promise<boolean> {
    const { principal } = credentials;
    if (principal.type === 'service') {
      return (
        this.options.clients.get(principal.subject)?.has(permission.name) ??
        false
      );
    }
    const [decision] = await this.options.permissions.authorize(
      [{ permission }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }
}
