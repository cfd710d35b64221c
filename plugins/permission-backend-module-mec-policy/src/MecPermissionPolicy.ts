import { UserInfoService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  kubernetesClustersReadPermission,
  kubernetesResourcesReadPermission,
} from '@backstage/plugin-kubernetes-common';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  mecHostReadPermission,
  mecInstanceCreatePermission,
  mecInstanceInstantiatePermission,
  mecInstanceOperatePermission,
  mecInstanceReadPermission,
  mecInstanceTerminatePermission,
  mecPackageOnboardPermission,
  mecPackageReadPermission,
  mecPackageUpdatePermission,
  mecSubscriptionManagePermission,
  mecSubscriptionReadPermission,
} from '@helmmec/plugin-mec-common';

/** The roles of the HelmMEC policy, each holding what the one before holds. @public */
export type MecRole = 'viewer' | 'developer' | 'platformAdmin';

const ROLES: MecRole[] = ['viewer', 'developer', 'platformAdmin'];

const viewer = [
  mecPackageReadPermission,
  mecInstanceReadPermission,
  mecHostReadPermission,
  mecSubscriptionReadPermission,
  kubernetesClustersReadPermission,
  kubernetesResourcesReadPermission,
].map(p => p.name);

const developer = [
  ...viewer,
  ...[
    mecPackageOnboardPermission,
    mecPackageUpdatePermission,
    mecInstanceCreatePermission,
    mecInstanceInstantiatePermission,
    mecInstanceOperatePermission,
    mecInstanceTerminatePermission,
    mecSubscriptionManagePermission,
  ].map(p => p.name),
];

/**
 * The MEC and Kubernetes permissions of the viewer and developer roles; a
 * platform admin holds every permission. @public
 */
export const MEC_ROLE_PERMISSIONS: Readonly<
  Record<Exclude<MecRole, 'platformAdmin'>, ReadonlySet<string>>
> = { viewer: new Set(viewer), developer: new Set(developer) };

/**
 * The HelmMEC permission policy. A user's role is the highest one whose
 * configured entity refs (`mec.permissions.roles`) meet the user's
 * ownership entity refs. MEC and Kubernetes permissions follow the role;
 * other plugins' reads are allowed to every user, their other actions to
 * developers and platform admins. Under `auth.environment: development`
 * everything is allowed, as the guest sign-in of local use needs.
 *
 * @public
 */
export class MecPermissionPolicy implements PermissionPolicy {
  static fromConfig(
    config: Config,
    deps: { userInfo: UserInfoService },
  ): MecPermissionPolicy {
    const roles = new Map<string, MecRole>();
    for (const role of ROLES) {
      for (const ref of config.getOptionalStringArray(
        `mec.permissions.roles.${role}`,
      ) ?? []) {
        // Later roles are higher: a ref listed twice gets the higher one.
        roles.set(
          stringifyEntityRef(
            parseEntityRef(ref, {
              defaultKind: 'group',
              defaultNamespace: 'default',
            }),
          ),
          role,
        );
      }
    }
    return new MecPermissionPolicy({
      userInfo: deps.userInfo,
      roles,
      allowAll: config.getOptionalString('auth.environment') === 'development',
    });
  }

  constructor(
    private readonly options: {
      userInfo: UserInfoService;
      /** Role per lower-case entity ref. */
      roles: ReadonlyMap<string, MecRole>;
      allowAll: boolean;
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (this.options.allowAll) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!user) {
      return { result: AuthorizeResult.DENY };
    }
    const { permission } = request;
    const role = await this.roleOf(user);
    return this.allows(role, permission.name, permission.attributes.action)
      ? { result: AuthorizeResult.ALLOW }
      : { result: AuthorizeResult.DENY };
  }

  private allows(
    role: MecRole | undefined,
    name: string,
    action: string | undefined,
  ): boolean {
    if (role === 'platformAdmin') {
      return true;
    }
    if (name.startsWith('mec.') || name.startsWith('kubernetes.')) {
      return role !== undefined && MEC_ROLE_PERMISSIONS[role].has(name);
    }
    // Other plugins (catalog, scaffolder, ...): reads for every user, so the
    // portal works; changes for developers.
    return action === 'read' || (action !== 'delete' && role === 'developer');
  }

  private async roleOf(user: PolicyQueryUser): Promise<MecRole | undefined> {
    const { ownershipEntityRefs } = await this.options.userInfo.getUserInfo(
      user.credentials,
    );
    let best = -1;
    for (const ref of ownershipEntityRefs) {
      const role = this.options.roles.get(ref.toLocaleLowerCase('en-US'));
      if (role) best = Math.max(best, ROLES.indexOf(role));
    }
    return best < 0 ? undefined : ROLES[best];
  }
}
