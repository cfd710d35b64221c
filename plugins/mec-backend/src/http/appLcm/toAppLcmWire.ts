import { AppInstanceRecord } from '../../database/AppInstanceStore';
import { AppLcmOpOccRecord } from '../../database/AppLcmOpOccStore';

const timeStamp = (date: Date) => ({
  seconds: Math.floor(date.getTime() / 1000),
  nanoSeconds: (date.getTime() % 1000) * 1_000_000,
});

/** An instance as ETSI AppInstanceInfo (clause 6.2.2.3). */
export function toAppInstanceInfo(
  instance: AppInstanceRecord,
  apiBase: string,
) {
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
          }
        : { instantiate: { href: `${self}/instantiate` } }),
    },
  };
}

/** An op occurrence as ETSI AppLcmOpOcc (clause 6.2.2.12). */
export function toAppLcmOpOcc(opOcc: AppLcmOpOccRecord, apiBase: string) {
  return {
    id: opOcc.id,
    operationState: opOcc.operationState,
    stateEnteredTime: timeStamp(opOcc.stateEnteredTime),
    startTime: timeStamp(opOcc.startTime),
    lcmOperation: opOcc.lcmOperation,
    operationParams: opOcc.operationParams,
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
