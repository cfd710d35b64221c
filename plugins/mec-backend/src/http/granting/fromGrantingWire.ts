import { InputError } from '@backstage/errors';
import type { GrantingSchemas } from '@helmmec/plugin-mec-common';
import type { GrantRequest } from '../../granting/model';
import {
  isObject,
  parseLocationConstraints,
  parseSelectedMECHostInfo,
} from '../appLcm/fromAppLcmWire';

/**
 * A GrantRequest as the domain's: an external MEPM passes the
 * InstantiateAppRequest's selectedMECHostInfo and locationConstraints in
 * additionalParams (KeyValuePairs), so their shapes are checked here.
 */
export function parseGrantRequest(
  body: GrantingSchemas['GrantRequest'],
): GrantRequest {
  const { appInstanceId, appLcmOpOccId, appDId, operation } = body;
  const additionalParams: unknown = body.additionalParams;
  if (additionalParams !== undefined && !isObject(additionalParams)) {
    throw new InputError('additionalParams must be KeyValuePairs');
  }
  const { selectedMECHostInfo, locationConstraints } = additionalParams ?? {};
  const hostSelection = parseSelectedMECHostInfo(
    selectedMECHostInfo,
    'additionalParams.selectedMECHostInfo',
  );
  const constraints = parseLocationConstraints(
    locationConstraints,
    'additionalParams.locationConstraints',
  );
  if (
    operation !== 'INSTANTIATE' &&
    operation !== 'OPERATE' &&
    operation !== 'TERMINATE'
  ) {
    throw new InputError('operation must be INSTANTIATE, OPERATE or TERMINATE');
  }
  const addResources = body.addResources?.map(r => ({
    id: r.id,
    type: r.type,
    ...(r.resourceTemplateId
      ? { resourceTemplateId: r.resourceTemplateId }
      : {}),
  }));
  if (
    addResources &&
    new Set(addResources.map(r => r.id)).size !== addResources.length
  ) {
    throw new InputError('addResources ids must be unique within the request');
  }
  return {
    appInstanceId,
    appLcmOpOccId,
    appDId,
    operation,
    ...(addResources?.length ? { addResources } : {}),
    links: {
      appLcmOpOcc: body._links.appLcmOpOcc.href,
      appInstance: body._links.appInstance.href,
    },
    ...(hostSelection ? { hostSelection } : {}),
    ...(constraints ? { locationConstraints: constraints } : {}),
  };
}
