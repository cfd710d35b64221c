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
  mecMepmReadPermission,
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
  mecMepmReadPermission,
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

// The scaffolder's permissions by name (@backstage/plugin-scaffolder-common).
// Running a template is a developer's: its MEC actions then act with the
// user's own MEC permissions. The template editor is a platform admin's.
const SCAFFOLDER_RUN = new Set([
  'scaffolder.action.execute',
  'scaffolder.task.create',
  'scaffolder.task.cancel',
  'scaffolder.template.dry-run',
]);
const SCAFFOLDER_TASK_RESOURCE = 'scaffolder-task';

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
 * developers run software templates and see and cancel only the scaffolder
 * tasks they started, platform admins all of them; other plugins' reads are allowed to every user, their other actions to
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
    if (!this.allows(role, permission.name, permission.attributes.action)) {
      return { result: AuthorizeResult.DENY };
    }
    // A task's parameters may hold Helm values: users see and cancel only
    // the tasks they started.
    if (
      role !== 'platformAdmin' &&
      'resourceType' in permission &&
      permission.resourceType === SCAFFOLDER_TASK_RESOURCE
    ) {
      return {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'scaffolder',
        resourceType: SCAFFOLDER_TASK_RESOURCE,
        conditions: {
          rule: 'IS_TASK_OWNER',
          resourceType: SCAFFOLDER_TASK_RESOURCE,
          params: { createdBy: [user.info.userEntityRef] },
        },
      };
    }
    return { result: AuthorizeResult.ALLOW };
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
    if (name.startsWith('scaffolder.') && action !== 'read') {
      return role === 'developer' && SCAFFOLDER_RUN.has(name);
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
