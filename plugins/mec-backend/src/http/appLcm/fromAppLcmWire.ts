import { InputError } from '@backstage/errors';
import type {
  ChangeAppPkgRequest,
  CreateAppInstanceRequest,
  InstantiateAppRequest,
  OperateAppRequest,
  TerminateAppRequest,
} from '@helmmec/plugin-mec-common';
import type { HostSelection, LocationConstraints } from '../../granting/model';
import type {
  ChangeAppPkgRequest as ChangeAppPkgRequestModel,
  CreateInstanceCommand,
  InstantiateCommand,
  OperateCommand,
  StopType,
  TerminateCommand,
} from '../../lifecycle/model';

// The OpenAPI validator checks the app_lcm bodies first; these checks still
// hold the domain's types for callers it does not cover (granting/v1's
// additionalParams are free-form KeyValuePairs).

/** Whether a value is a JSON object (KeyValuePairs), not null or an array. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalTimeout(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InputError(`${where} must be a non-negative integer (seconds)`);
  }
  return value;
}

function stopTypeOf(value: unknown, where: string): StopType {
  if (value !== 'GRACEFUL' && value !== 'FORCEFUL') {
    throw new InputError(`${where} must be GRACEFUL or FORCEFUL`);
  }
  return value;
}

/**
 * MECHostInformation entries as a host selection. hostId is KeyValuePairs:
 * its `name` key (or hostName, or a plain string hostId) names a registered
 * host; other keys are labels the host must carry, e.g.
 * topology.kubernetes.io/zone. Entries naming hosts make those the
 * candidates; the labels of all entries apply together.
 */
export function parseSelectedMECHostInfo(
  value: unknown,
  where = 'selectedMECHostInfo',
): HostSelection | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new InputError(`${where} must be an array of MECHostInformation`);
  }
  const candidates: string[] = [];
  const requiredLabels: Record<string, string> = {};
  value.forEach((info: unknown, i) => {
    if (!isObject(info)) {
      throw new InputError(`${where}[${i}] must be a MECHostInformation`);
    }
    const { hostId, hostName } = info;
    if (hostName !== undefined && typeof hostName !== 'string') {
      throw new InputError(`${where}[${i}].hostName must be a string`);
    }
    if (typeof hostId === 'string') {
      candidates.push(hostId);
      return;
    }
    if (hostId !== undefined && !isObject(hostId)) {
      throw new InputError(
        `${where}[${i}].hostId must be KeyValuePairs or a string`,
      );
    }
    const { name, ...labels } = hostId ?? {};
    if (typeof name === 'string') candidates.push(name);
    else if (hostName) candidates.push(hostName);
    else if (hostId === undefined) {
      throw new InputError(`${where}[${i}] needs a hostId`);
    }
    for (const [key, label] of Object.entries(labels)) {
      if (!['string', 'number', 'boolean'].includes(typeof label)) {
        throw new InputError(
          `${where}[${i}].hostId.${key} must be a string, number or boolean`,
        );
      }
      requiredLabels[key] = String(label);
    }
  });
  if (!candidates.length && !Object.keys(requiredLabels).length) {
    return undefined;
  }
  return {
    ...(candidates.length ? { candidates } : {}),
    ...(Object.keys(requiredLabels).length ? { requiredLabels } : {}),
  };
}

/** LocationConstraints: countryCode and a GeoJSON Polygon area. */
export function parseLocationConstraints(
  value: unknown,
  where = 'locationConstraints',
): LocationConstraints | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    throw new InputError(`${where} must be a LocationConstraints object`);
  }
  const { countryCode, area } = value;
  if (countryCode !== undefined && typeof countryCode !== 'string') {
    throw new InputError(`${where}.countryCode must be a string`);
  }
  let rings: number[][][] | undefined;
  if (area !== undefined) {
    const coordinates = isObject(area) ? area.coordinates : undefined;
    const isPosition = (p: unknown) =>
      Array.isArray(p) &&
      p.length >= 2 &&
      p.every(n => typeof n === 'number' && Number.isFinite(n));
    if (
      !isObject(area) ||
      area.type !== 'Polygon' ||
      !Array.isArray(coordinates) ||
      !coordinates.every(ring => Array.isArray(ring) && ring.every(isPosition))
    ) {
      throw new InputError(
        `${where}.area must be a GeoJSON Polygon with [longitude, latitude] positions`,
      );
    }
    rings = coordinates as number[][][];
  }
  if (countryCode === undefined && rings === undefined) return undefined;
  return {
    ...(countryCode !== undefined ? { countryCode } : {}),
    ...(rings ? { area: rings } : {}),
  };
}

/** CreateAppInstanceRequest as a command. */
export function parseCreateAppInstanceRequest(
  body: CreateAppInstanceRequest,
): CreateInstanceCommand {
  const { appDId, appInstanceName, appInstanceDescription } = body;
  if (typeof appDId !== 'string' || !appDId) {
    throw new InputError('appDId must be a non-empty string');
  }
  return {
    appDId,
    ...(appInstanceName !== undefined ? { appInstanceName } : {}),
    ...(appInstanceDescription !== undefined ? { appInstanceDescription } : {}),
  };
}

/**
 * InstantiateAppRequest as a command: host selection and location
 * constraints for the grant, additionalParams as the chart's values. The
 * descriptors it may carry are the AppD's already, and ignored.
 */
export function parseInstantiateAppRequest(
  body: InstantiateAppRequest,
): InstantiateCommand {
  const additionalParams: unknown = body.additionalParams;
  if (additionalParams !== undefined && !isObject(additionalParams)) {
    throw new InputError('additionalParams must be KeyValuePairs');
  }
  const hostSelection = parseSelectedMECHostInfo(body.selectedMECHostInfo);
  const locationConstraints = parseLocationConstraints(
    body.locationConstraints,
  );
  return {
    lcmOperation: 'INSTANTIATE',
    ...(hostSelection ? { hostSelection } : {}),
    ...(locationConstraints ? { locationConstraints } : {}),
    values: additionalParams ?? {},
  };
}

/** OperateAppRequest as a command (its combinations are the domain's to judge). */
export function parseOperateAppRequest(
  body: OperateAppRequest,
): OperateCommand {
  const { changeStateTo, stopType } = body;
  if (changeStateTo !== 'STARTED' && changeStateTo !== 'STOPPED') {
    throw new InputError('changeStateTo must be STARTED or STOPPED');
  }
  const gracefulStopTimeout = optionalTimeout(
    body.gracefulStopTimeout,
    'gracefulStopTimeout',
  );
  return {
    lcmOperation: 'OPERATE',
    changeStateTo,
    ...(stopType !== undefined
      ? { stopType: stopTypeOf(stopType, 'stopType') }
      : {}),
    ...(gracefulStopTimeout !== undefined ? { gracefulStopTimeout } : {}),
  };
}

/** TerminateAppRequest as a command. */
export function parseTerminateAppRequest(
  body: TerminateAppRequest,
): TerminateCommand {
  const gracefulTerminationTimeout = optionalTimeout(
    body.gracefulTerminationTimeout,
    'gracefulTerminationTimeout',
  );
  return {
    lcmOperation: 'TERMINATE',
    terminationType: stopTypeOf(body.terminationType, 'terminationType'),
    ...(gracefulTerminationTimeout !== undefined
      ? { gracefulTerminationTimeout }
      : {}),
  };
}

/**
 * ChangeAppPkgRequest (our extension) as what the service resolves:
 * additionalParams as the new chart's values, absent to keep the last ones.
 */
export function parseChangeAppPkgRequest(
  body: ChangeAppPkgRequest,
): ChangeAppPkgRequestModel {
  const additionalParams: unknown = body.additionalParams;
  if (additionalParams !== undefined && !isObject(additionalParams)) {
    throw new InputError('additionalParams must be KeyValuePairs');
  }
  return {
    appDId: body.appDId,
    ...(additionalParams !== undefined ? { values: additionalParams } : {}),
  };
}
