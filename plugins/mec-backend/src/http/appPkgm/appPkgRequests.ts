import { InputError } from '@backstage/errors';
import {
  ChangeOperationalStateCommand,
  CreateAppPackageCommand,
  OperationalState,
} from '../../packages/model';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalString(
  body: Record<string, unknown>,
  name: string,
): string | undefined {
  const value = body[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InputError(`${name} must be a string`);
  }
  return value;
}

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = optionalString(body, name);
  if (!value) {
    throw new InputError(`${name} is required`);
  }
  return value;
}

/**
 * Reads an ETSI CreateAppPkg body (clause 6.2.3.2). The OpenAPI validation
 * has checked it already; this gives the service a typed command.
 *
 * @throws InputError when the body is not a CreateAppPkg
 */
export function parseCreateAppPkg(body: unknown): CreateAppPackageCommand {
  if (!isObject(body)) {
    throw new InputError('The request body must be a CreateAppPkg object');
  }
  const { checksum, userDefinedData } = body;
  if (
    !isObject(checksum) ||
    typeof checksum.algorithm !== 'string' ||
    typeof checksum.hash !== 'string'
  ) {
    throw new InputError(
      'checksum is required, with the strings algorithm and hash',
    );
  }
  if (userDefinedData !== undefined && !isObject(userDefinedData)) {
    throw new InputError('userDefinedData must be an object');
  }
  return {
    appPkgName: requiredString(body, 'appPkgName'),
    appPkgVersion: requiredString(body, 'appPkgVersion'),
    appProvider: optionalString(body, 'appProvider'),
    checksum: { algorithm: checksum.algorithm, hash: checksum.hash },
    userDefinedData,
    appPkgPath: optionalString(body, 'appPkgPath'),
  };
}

const OPERATIONAL_STATES: readonly OperationalState[] = ['ENABLED', 'DISABLED'];

/**
 * Reads an ETSI AppPkgInfoModifications body (clause 6.2.3.4), accepting
 * the v2.1.1 spelling `operationState`.
 *
 * @throws InputError when no valid operational state is given
 */
export function parseAppPkgInfoModifications(
  body: unknown,
): ChangeOperationalStateCommand {
  const input = isObject(body) ? body : {};
  const operationalState = input.operationalState ?? input.operationState;
  if (operationalState === undefined) {
    throw new InputError('operationalState is required');
  }
  if (!OPERATIONAL_STATES.includes(operationalState as OperationalState)) {
    throw new InputError('operationalState must be ENABLED or DISABLED');
  }
  return { operationalState: operationalState as OperationalState };
}
