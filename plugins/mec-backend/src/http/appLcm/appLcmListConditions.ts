import type {
  AppInstanceCondition,
  AppInstanceField,
  AppLcmOpOccCondition,
  AppLcmOpOccField,
} from '../../lifecycle/model';
import { AttributeFilter } from '../query/attributeFilter';
import {
  StoredAttribute,
  idFromHref,
  toStoreConditions,
} from '../query/storeConditions';

/**
 * The terms of an AppInstanceInfo filter that the instance store can apply
 * (see ./toAppLcmWire.ts for the representation). They only narrow the
 * list: the full filter is still applied to the representations.
 */
export function toInstanceListConditions(
  filter: AttributeFilter,
  apiBase: string,
): AppInstanceCondition[] {
  const attributes: Record<
    string,
    AppInstanceField | StoredAttribute<AppInstanceField>
  > = {
    id: 'id',
    appInstanceName: 'appInstanceName',
    appInstanceDescription: 'appInstanceDescription',
    appPkgId: 'appPkgId',
    appDId: 'appDId',
    appProvider: 'appProvider',
    appName: 'appName',
    appSoftVersion: 'appSoftVersion',
    appDVersion: 'appDVersion',
    instantiationState: 'instantiationState',
    'edgeHost/name': 'hostName',
    // Shown only with a host name, so a stored value may be hidden.
    'edgeHost/namespace': { field: 'namespace', positiveOnly: true },
    'edgeHost/releaseName': { field: 'releaseName', positiveOnly: true },
    '_links/self/href': {
      field: 'id',
      toValue: idFromHref(`${apiBase}/app_instances/`),
    },
  };
  return toStoreConditions(filter, attributes);
}

/**
 * The terms of an AppLcmOpOcc filter that the op occurrence store can
 * apply, including `_links/appInstance/href`, by which clients list one
 * instance's operations. They only narrow the list.
 */
export function toOpOccListConditions(
  filter: AttributeFilter,
  apiBase: string,
): AppLcmOpOccCondition[] {
  const attributes: Record<
    string,
    AppLcmOpOccField | StoredAttribute<AppLcmOpOccField>
  > = {
    id: 'id',
    operationState: 'operationState',
    lcmOperation: 'lcmOperation',
    '_links/self/href': {
      field: 'id',
      toValue: idFromHref(`${apiBase}/app_lcm_op_occs/`),
    },
    '_links/appInstance/href': {
      field: 'appInstanceId',
      toValue: idFromHref(`${apiBase}/app_instances/`),
    },
  };
  return toStoreConditions(filter, attributes);
}
