import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
  EntityLink,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  AppInstanceInfo,
  AppPkgInfo,
  EdgeHost,
  MEC_ANNOTATION_APP_INSTANCE_ID,
  MEC_ANNOTATION_APP_PKG_ID,
  MEC_ANNOTATION_EDGE_HOST,
  MEC_APP_INSTANCE_KIND,
  MEC_APP_PACKAGE_KIND,
  MEC_EDGE_HOST_RESOURCE_TYPE,
  MEC_ENTITY_API_VERSION,
  MecAppInstanceEntitySpec,
  MecAppPackageEntitySpec,
  hostEntityName,
  instanceEntityName,
  packageEntityName,
  sanitizeName,
} from '@helmmec/plugin-mec-common';
import { MecSnapshot } from './MecApiClient';

/** What the translation into entities needs besides the snapshot. */
export interface ToEntitiesOptions {
  /** Entity reference of the owner of every entity. */
  owner: string;
  /** The portal's base URL (`app.baseUrl`), for links to the MEC pages. */
  appBaseUrl?: string;
}

// The Kubernetes plugin's annotations, written out because its packages are
// not dependencies of this module.
const K8S_ID = 'backstage.io/kubernetes-id';
const K8S_LABEL_SELECTOR = 'backstage.io/kubernetes-label-selector';
const K8S_NAMESPACE = 'backstage.io/kubernetes-namespace';
const K8S_API_SERVER = 'kubernetes.io/api-server';

/** Keys of the source resources that entities mirror. */
export const mecSourceKey = {
  appPackage: (appPkgId: string) => `package:${appPkgId}`,
  appInstance: (appInstanceId: string) => `instance:${appInstanceId}`,
  edgeHost: (hostName: string) => `host:${hostName}`,
};

/** The source resource an entity of this provider mirrors, by its annotations. */
export function mecSourceKeyOf(entity: Entity): string | undefined {
  const annotations = entity.metadata.annotations ?? {};
  if (entity.kind === MEC_APP_INSTANCE_KIND) {
    const id = annotations[MEC_ANNOTATION_APP_INSTANCE_ID];
    return id ? mecSourceKey.appInstance(id) : undefined;
  }
  if (entity.kind === MEC_APP_PACKAGE_KIND) {
    const id = annotations[MEC_ANNOTATION_APP_PKG_ID];
    return id ? mecSourceKey.appPackage(id) : undefined;
  }
  const host = annotations[MEC_ANNOTATION_EDGE_HOST];
  return host ? mecSourceKey.edgeHost(host) : undefined;
}

/** The location every entity of this provider is attributed to. */
export function mecLocation(apiRoot: string): string {
  return `mec:${apiRoot}`;
}

function tag(value: string | undefined): string[] {
  const sanitized = value ? sanitizeName(value).slice(0, 63) : '';
  return sanitized ? [sanitized] : [];
}

function portalLink(
  options: ToEntitiesOptions,
  path: string,
  title: string,
): EntityLink[] {
  if (!options.appBaseUrl) return [];
  const base = options.appBaseUrl.replace(/\/+$/, '');
  return [{ url: `${base}/mec/${path}`, title, icon: 'dashboard' }];
}

function etsiLink(href: string | undefined, title: string): EntityLink[] {
  return href ? [{ url: href, title, icon: 'docs' }] : [];
}

/**
 * Translates what the mec backend serves into catalog entities: packages,
 * instances and edge hosts, related by entity references in their specs.
 */
export function toEntities(
  snapshot: MecSnapshot,
  options: ToEntitiesOptions,
): Entity[] {
  const location = mecLocation(snapshot.apiRoot);
  const annotations = {
    [ANNOTATION_LOCATION]: location,
    [ANNOTATION_ORIGIN_LOCATION]: location,
  };
  const packageRefs = new Map<string, string>();
  const packages = snapshot.packages.map(pkg => {
    const entity = packageEntity(pkg, annotations, options);
    packageRefs.set(pkg.id, stringifyEntityRef(entity));
    return entity;
  });
  const instances = snapshot.instances.map(instance =>
    instanceEntity(instance, annotations, options, {
      // A package that is gone still names the instance's origin.
      packageRef:
        packageRefs.get(instance.appPkgId) ??
        stringifyEntityRef({
          kind: MEC_APP_PACKAGE_KIND,
          namespace: 'default',
          name: packageEntityName({
            id: instance.appPkgId,
            appName: instance.appName,
            appSoftwareVersion: instance.appSoftVersion,
          }),
        }),
    }),
  );
  const hosts = snapshot.hosts.map(host =>
    hostEntity(host, annotations, options),
  );
  return [...packages, ...instances, ...hosts];
}

function packageEntity(
  pkg: AppPkgInfo,
  annotations: Record<string, string>,
  options: ToEntitiesOptions,
): Entity {
  const spec: MecAppPackageEntitySpec = {
    appPkgId: pkg.id,
    appDId: pkg.appDId,
    appName: pkg.appName,
    ...(pkg.appProvider ? { appProvider: pkg.appProvider } : {}),
    appSoftwareVersion: pkg.appSoftwareVersion,
    ...(pkg.appDVersion ? { appDVersion: pkg.appDVersion } : {}),
    onboardingState: pkg.onboardingState,
    operationalState: pkg.operationalState,
    usageState: pkg.usageState,
    mecInfo: pkg.mecInfo ?? [],
    owner: options.owner,
  };
  return {
    apiVersion: MEC_ENTITY_API_VERSION,
    kind: MEC_APP_PACKAGE_KIND,
    metadata: {
      name: packageEntityName(pkg),
      namespace: 'default',
      title: `${pkg.appName} ${pkg.appSoftwareVersion}`,
      description: `MEC application package${
        pkg.appProvider ? ` by ${pkg.appProvider}` : ''
      } (${pkg.onboardingState.toLocaleLowerCase(
        'en-US',
      )}, ${pkg.operationalState.toLocaleLowerCase('en-US')}).`,
      annotations: { ...annotations, [MEC_ANNOTATION_APP_PKG_ID]: pkg.id },
      tags: ['mec', 'helm', ...tag(pkg.appProvider)],
      links: [
        ...portalLink(
          options,
          `packages/${encodeURIComponent(pkg.id)}`,
          'MEC package page',
        ),
        ...etsiLink(pkg._links?.self?.href, 'ETSI AppPkgInfo'),
      ],
    },
    spec: spec as unknown as Entity['spec'],
  };
}

function instanceEntity(
  instance: AppInstanceInfo,
  annotations: Record<string, string>,
  options: ToEntitiesOptions,
  refs: { packageRef: string },
): Entity {
  const edge = instance.edgeHost;
  const spec: MecAppInstanceEntitySpec = {
    appInstanceId: instance.id,
    appDId: instance.appDId,
    package: refs.packageRef,
    ...(edge?.name
      ? {
          host: stringifyEntityRef({
            kind: 'Resource',
            namespace: 'default',
            name: hostEntityName(edge.name),
          }),
        }
      : {}),
    instantiationState: instance.instantiationState,
    ...(instance.instantiatedAppState
      ? { operationalState: instance.instantiatedAppState.operationalState }
      : {}),
    ...(edge?.namespace ? { namespace: edge.namespace } : {}),
    ...(edge?.releaseName ? { releaseName: edge.releaseName } : {}),
    owner: options.owner,
  };
  // What the stock Kubernetes plugin needs to find the Helm release's objects.
  const kubernetes: Record<string, string> = edge?.releaseName
    ? {
        [K8S_ID]: edge.releaseName,
        [K8S_LABEL_SELECTOR]: `app.kubernetes.io/instance=${edge.releaseName}`,
        ...(edge.namespace ? { [K8S_NAMESPACE]: edge.namespace } : {}),
      }
    : {};
  const state = instance.instantiatedAppState
    ? instance.instantiatedAppState.operationalState
    : instance.instantiationState;
  return {
    apiVersion: MEC_ENTITY_API_VERSION,
    kind: MEC_APP_INSTANCE_KIND,
    metadata: {
      name: instanceEntityName(instance),
      namespace: 'default',
      title: instance.appInstanceName || `${instance.appName} instance`,
      description:
        instance.appInstanceDescription ||
        `Instance of ${instance.appName} ${instance.appSoftVersion}${
          edge?.name ? ` on edge host ${edge.name}` : ''
        } (${state.toLocaleLowerCase('en-US').replace(/_/g, ' ')}).`,
      annotations: {
        ...annotations,
        [MEC_ANNOTATION_APP_INSTANCE_ID]: instance.id,
        [MEC_ANNOTATION_APP_PKG_ID]: instance.appPkgId,
        ...kubernetes,
      },
      tags: ['mec', ...tag(instance.appName)],
      links: [
        ...portalLink(
          options,
          `instances/${encodeURIComponent(instance.id)}`,
          'MEC instance page',
        ),
        ...etsiLink(instance._links?.self?.href, 'ETSI AppInstanceInfo'),
      ],
    },
    spec: spec as unknown as Entity['spec'],
  };
}

function hostEntity(
  host: EdgeHost,
  annotations: Record<string, string>,
  options: ToEntitiesOptions,
): Entity {
  const zone =
    host.location?.zone ?? host.labels?.['topology.kubernetes.io/zone'];
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: hostEntityName(host.name),
      namespace: 'default',
      title: host.title || host.name,
      description:
        host.description ||
        `MEC edge host: Kubernetes cluster at ${host.url}${
          zone ? ` in zone ${zone}` : ''
        }.`,
      annotations: {
        ...annotations,
        [MEC_ANNOTATION_EDGE_HOST]: host.name,
        // Only the server URL: the hosts API never returns CA data or
        // credentials, and the catalog must not hold them either.
        [K8S_API_SERVER]: host.url,
      },
      tags: ['mec', 'edge-host', ...tag(host.driver), ...tag(zone)],
      links: portalLink(
        options,
        `hosts/${encodeURIComponent(host.name)}`,
        'MEC edge host page',
      ),
    },
    spec: {
      type: MEC_EDGE_HOST_RESOURCE_TYPE,
      owner: options.owner,
    },
  };
}
