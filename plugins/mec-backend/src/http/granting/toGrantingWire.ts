import type { GrantingSchemas } from '@helmmec/plugin-mec-common';
import type { IssuedGrant } from '../../granting/model';

/**
 * A grant as ETSI Grant (clause 6.2.4.3): the edge host is both the VIM
 * connection (a Kubernetes cluster) and the zone, and INSTANTIATE adds the
 * chart's workloads in the granted namespace.
 *
 * @param appLcmBase - externally visible `{apiRoot}/app_lcm/v1`, for `_links`
 */
export function toGrant(
  grant: IssuedGrant,
  appLcmBase: string,
): GrantingSchemas['Grant'] {
  const host = grant.hostName;
  return {
    id: grant.id,
    appInstanceId: grant.appInstanceId,
    appLcmOpOccId: grant.appLcmOpOccId,
    // A grant that names no host leaves the choice to the MEPM.
    ...(host
      ? {
          vimConnections: {
            [host]: { id: host, vimId: host, vimType: 'KUBERNETES' },
          },
          zones: [{ id: `zone-${host}`, zoneId: host, vimConnectionId: host }],
        }
      : {}),
    addResources: grant.addedResources.map(resource => ({
      resourceDefinitionId: resource.resourceDefinitionId,
      ...(host ? { vimConnectionId: host, zoneId: host } : {}),
      ...(resource.containerNamespace
        ? { containerNamespace: resource.containerNamespace }
        : {}),
    })),
    _links: grant.links
      ? {
          appLcmOpOcc: { href: grant.links.appLcmOpOcc },
          appInstance: { href: grant.links.appInstance },
        }
      : {
          appLcmOpOcc: {
            href: `${appLcmBase}/app_lcm_op_occs/${grant.appLcmOpOccId}`,
          },
          appInstance: {
            href: `${appLcmBase}/app_instances/${grant.appInstanceId}`,
          },
        },
  };
}
