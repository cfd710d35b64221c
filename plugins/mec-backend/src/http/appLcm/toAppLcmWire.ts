import type {
  AppInstanceInfo,
  AppInstanceRevision as AppInstanceRevisionWire,
  ChangeAppPkgRequest,
  AppLcmSchemas,
  InstantiateAppRequest,
  KeyValuePairs,
  OperateAppRequest,
  TerminateAppRequest,
} from '@helmmec/plugin-mec-common';
import type { HostSelection } from '../../granting/model';
import type {
  AppInstance,
  AppInstanceRevision,
  AppLcmOpOcc,
  InstantiateCommand,
  LcmCommand,
} from '../../lifecycle/model';
import { toTimeStamp } from '../../notifications/timeStamp';

/** An instance as ETSI AppInstanceInfo (clause 6.2.2.3). */
export function toAppInstanceInfo(
  instance: AppInstance,
  apiBase: string,
): AppInstanceInfo {
  const self = `${apiBase}/app_instances/${instance.id}`;
  const instantiated = instance.instantiationState === 'INSTANTIATED';
  return {
    id: instance.id,
    ...(instance.appInstanceName
      ? { appInstanceName: instance.appInstanceName }
      : {}),
    ...(instance.appInstanceDescription
      ? { appInstanceDescription: instance.appInstanceDescription }
      : {}),
    appDId: instance.appDId,
    appProvider: instance.appProvider,
    appName: instance.appName,
    appSoftVersion: instance.appSoftVersion,
    appDVersion: instance.appDVersion,
    appPkgId: instance.appPkgId,
    instantiationState: instance.instantiationState,
    ...(instantiated
      ? {
          instantiatedAppState: {
            operationalState: instance.operationalState ?? 'STARTED',
          },
        }
      : {}),
    ...(instance.hostName
      ? {
          edgeHost: {
            name: instance.hostName,
            ...(instance.namespace ? { namespace: instance.namespace } : {}),
            ...(instance.releaseName
              ? { releaseName: instance.releaseName }
              : {}),
          },
        }
      : {}),
    _links: {
      self: { href: self },
      ...(instantiated
        ? {
            terminate: { href: `${self}/terminate` },
            operate: { href: `${self}/operate` },
            changeAppPkg: { href: `${self}/change_app_pkg` },
          }
        : { instantiate: { href: `${self}/instantiate` } }),
      revisions: { href: `${self}/revisions` },
    },
  };
}

/** A release revision as our AppInstanceRevision (HelmMEC extension). */
export function toAppInstanceRevision(
  revision: AppInstanceRevision,
): AppInstanceRevisionWire {
  const { updated, ...rest } = revision;
  return { ...rest, ...(updated ? { updated: toTimeStamp(updated) } : {}) };
}

/**
 * An op occurrence as ETSI AppLcmOpOcc (clause 6.2.2.12). The Helm values of
 * an instantiation (`operationParams.additionalParams`) are left out unless
 * `withValues`: they often hold secrets, and need their own permission.
 */
export function toAppLcmOpOcc(
  opOcc: AppLcmOpOcc,
  apiBase: string,
  options: { withValues?: boolean } = {},
): AppLcmSchemas['AppLcmOpOcc'] {
  const operationParams = toOperationParams(opOcc.command);
  if (!options.withValues) {
    delete operationParams.additionalParams;
  }
  return {
    id: opOcc.id,
    operationState: opOcc.operationState,
    stateEnteredTime: toTimeStamp(opOcc.stateEnteredTime),
    startTime: toTimeStamp(opOcc.startTime),
    lcmOperation: opOcc.lcmOperation,
    operationParams,
    ...(opOcc.isCancelPending
      ? { isCancelPending: true, cancelMode: opOcc.cancelMode }
      : {}),
    ...(opOcc.error ? { error: { type: 'about:blank', ...opOcc.error } } : {}),
    _links: {
      self: { href: `${apiBase}/app_lcm_op_occs/${opOcc.id}` },
      appInstance: { href: `${apiBase}/app_instances/${opOcc.appInstanceId}` },
    },
  };
}

/** A host selection as MECHostInformation entries, one per candidate. */
export function toSelectedMECHostInfo(
  selection: HostSelection,
): AppLcmSchemas['MECHostInformation'][] {
  const labels = selection.requiredLabels ?? {};
  if (selection.candidates) {
    return selection.candidates.map(name => ({ hostId: { name, ...labels } }));
  }
  return Object.keys(labels).length ? [{ hostId: { ...labels } }] : [];
}

/**
 * operationParams: the command as the request that started it
 * (InstantiateAppRequest, OperateAppRequest, TerminateAppRequest or our
 * ChangeAppPkgRequest), with the
 * attributes HelmMEC acts on.
 */
export function toOperationParams(command: LcmCommand): KeyValuePairs {
  switch (command.lcmOperation) {
    case 'INSTANTIATE':
      return toInstantiateAppRequest(command);
    case 'OPERATE': {
      const { lcmOperation, ...request } = command;
      return request satisfies OperateAppRequest;
    }
    case 'TERMINATE': {
      const { lcmOperation, ...request } = command;
      return request satisfies TerminateAppRequest;
    }
    case 'CHANGE_APP_PKG':
      return {
        appDId: command.appDId,
        ...(Object.keys(command.values).length
          ? { additionalParams: command.values }
          : {}),
      } satisfies ChangeAppPkgRequest;
    default:
      return {};
  }
}

function toInstantiateAppRequest(
  command: InstantiateCommand,
): InstantiateAppRequest {
  const { hostSelection, locationConstraints, values } = command;
  const selected = hostSelection ? toSelectedMECHostInfo(hostSelection) : [];
  return {
    ...(selected.length ? { selectedMECHostInfo: selected } : {}),
    ...(locationConstraints
      ? {
          locationConstraints: {
            ...(locationConstraints.countryCode !== undefined
              ? { countryCode: locationConstraints.countryCode }
              : {}),
            ...(locationConstraints.area
              ? {
                  area: {
                    type: 'Polygon',
                    coordinates: locationConstraints.area,
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(Object.keys(values).length ? { additionalParams: values } : {}),
  };
}
