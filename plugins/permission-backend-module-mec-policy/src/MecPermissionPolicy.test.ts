import { mockCredentials } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  kubernetesProxyPermission,
  kubernetesResourcesReadPermission,
} from '@backstage/plugin-kubernetes-common';
import {
  AuthorizeResult,
  createPermission,
  Permission,
} from '@backstage/plugin-permission-common';
import {
  mecHostRegisterPermission,
  mecInstanceInstantiatePermission,
  mecInstanceReadPermission,
  mecInstanceValuesReadPermission,
  mecPackageDeletePermission,
  mecPackageOnboardPermission,
  mecPackagePullPermission,
  mecPackageReadPermission,
  mecPermissions,
} from '@helmmec/plugin-mec-common';
import { MecPermissionPolicy } from './MecPermissionPolicy';

const groups: Record<string, string[]> = {
  'user:default/vera': ['group:default/viewers'],
  'user:default/dev': ['group:default/Developers', 'group:default/viewers'],
  'user:default/ada': ['group:default/platform'],
  'user:default/nobody': ['group:default/other'],
};

function policy(config: object) {
  return MecPermissionPolicy.fromConfig(new ConfigReader(config), {
    userInfo: {
      async getUserInfo(credentials: any) {
        const ref = credentials.principal.userEntityRef as string;
        return {
          userEntityRef: ref,
          ownershipEntityRefs: [ref, ...(groups[ref] ?? [])],
        };
      },
    },
  });
}

const production = policy({
  auth: { environment: 'production' },
  mec: {
    permissions: {
      roles: {
        viewer: ['group:default/viewers'],
        developer: ['developers'],
        platformAdmin: ['group:default/platform'],
      },
    },
  },
});

async function decide(
  p: MecPermissionPolicy,
  user: string | undefined,
  permission: Permission,
) {
  const decision = await p.handle(
    { permission },
    user
      ? {
          credentials: mockCredentials.user(user),
          info: { userEntityRef: user, ownershipEntityRefs: [] },
        }
      : undefined,
  );
  return decision.result === AuthorizeResult.ALLOW;
}

const catalogRead = createPermission({
  name: 'catalog.entity.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});
const catalogCreate = createPermission({
  name: 'catalog.entity.create',
  attributes: { action: 'create' },
});
const catalogDelete = createPermission({
  name: 'catalog.entity.delete',
  attributes: { action: 'delete' },
  resourceType: 'catalog-entity',
});

// The scaffolder's permissions as @backstage/plugin-scaffolder-common
// declares them.
const taskCreate = createPermission({
  name: 'scaffolder.task.create',
  attributes: { action: 'create' },
});
const actionExecute = createPermission({
  name: 'scaffolder.action.execute',
  attributes: {},
  resourceType: 'scaffolder-action',
});
const templateParameterRead = createPermission({
  name: 'scaffolder.template.parameter.read',
  attributes: { action: 'read' },
  resourceType: 'scaffolder-template',
});
const templateManagement = createPermission({
  name: 'scaffolder.template.management',
  attributes: {},
});
const taskRead = createPermission({
  name: 'scaffolder.task.read',
  attributes: { action: 'read' },
  resourceType: 'scaffolder-task',
});
const taskCancel = createPermission({
  name: 'scaffolder.task.cancel',
  attributes: {},
  resourceType: 'scaffolder-task',
});

describe('MecPermissionPolicy', () => {
  it.each([
    ['user:default/vera', mecPackageReadPermission, true],
    ['user:default/vera', mecInstanceReadPermission, true],
    ['user:default/vera', kubernetesResourcesReadPermission, true],
    ['user:default/vera', mecPackageOnboardPermission, false],
    ['user:default/vera', mecInstanceValuesReadPermission, false],
    ['user:default/vera', catalogRead, true],
    ['user:default/vera', catalogCreate, false],
    ['user:default/dev', mecPackageOnboardPermission, true],
    ['user:default/dev', mecInstanceInstantiatePermission, true],
    ['user:default/dev', mecPackageDeletePermission, false],
    ['user:default/dev', mecHostRegisterPermission, false],
    ['user:default/dev', mecInstanceValuesReadPermission, false],
    ['user:default/dev', mecPackagePullPermission, false],
    ['user:default/dev', kubernetesProxyPermission, false],
    ['user:default/dev', catalogCreate, true],
    ['user:default/dev', catalogDelete, false],
    ['user:default/ada', mecHostRegisterPermission, true],
    ['user:default/ada', mecInstanceValuesReadPermission, true],
    ['user:default/ada', kubernetesProxyPermission, true],
    ['user:default/ada', catalogDelete, true],
    ['user:default/nobody', mecPackageReadPermission, false],
    ['user:default/nobody', catalogRead, true],
    [undefined, catalogRead, false],
    // Developers run templates; viewers see them but cannot run them.
    ['user:default/vera', templateParameterRead, true],
    ['user:default/vera', taskCreate, false],
    ['user:default/vera', actionExecute, false],
    ['user:default/dev', taskCreate, true],
    ['user:default/dev', actionExecute, true],
    ['user:default/dev', templateManagement, false],
    ['user:default/ada', templateManagement, true],
    ['user:default/nobody', taskCreate, false],
  ] as const)('%s holds %p: %s', async (user, permission, allowed) => {
    expect(await decide(production, user, permission)).toBe(allowed);
  });

  it('gives platform admins every mec permission and viewers only reads', async () => {
    for (const permission of mecPermissions) {
      expect(await decide(production, 'user:default/ada', permission)).toBe(
        true,
      );
      expect(await decide(production, 'user:default/vera', permission)).toBe(
        permission.attributes.action === 'read' &&
          permission !== mecInstanceValuesReadPermission &&
          permission !== mecPackagePullPermission,
      );
    }
  });

  it('shows and cancels scaffolder tasks to those who started them, all of them to platform admins', async () => {
    const owner = (user: string) => ({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'scaffolder',
      resourceType: 'scaffolder-task',
      conditions: {
        rule: 'IS_TASK_OWNER',
        resourceType: 'scaffolder-task',
        params: { createdBy: [user] },
      },
    });
    const handle = (user: string, permission: Permission) =>
      production.handle(
        { permission },
        {
          credentials: mockCredentials.user(user),
          info: { userEntityRef: user, ownershipEntityRefs: [] },
        },
      );
    expect(await handle('user:default/dev', taskRead)).toEqual(
      owner('user:default/dev'),
    );
    expect(await handle('user:default/dev', taskCancel)).toEqual(
      owner('user:default/dev'),
    );
    expect(await handle('user:default/vera', taskRead)).toEqual(
      owner('user:default/vera'),
    );
    expect(await handle('user:default/vera', taskCancel)).toEqual({
      result: AuthorizeResult.DENY,
    });
    expect(await handle('user:default/ada', taskRead)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('allows everything only under auth.environment development', async () => {
    const development = policy({ auth: { environment: 'development' } });
    expect(
      await decide(
        development,
        'user:default/nobody',
        mecHostRegisterPermission,
      ),
    ).toBe(true);
    const unset = policy({});
    expect(
      await decide(unset, 'user:default/nobody', mecPackageReadPermission),
    ).toBe(false);
  });
});
