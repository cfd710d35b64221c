import { InputError } from '@backstage/errors';
import {
  parseAppPkgInfoModifications,
  parseCreateAppPkg,
} from './appPkgRequests';

describe('parseCreateAppPkg', () => {
  const minimal = {
    appPkgName: 'video',
    appPkgVersion: '1.0.0',
    checksum: { algorithm: 'SHA-256', hash: 'ab' },
  };

  it('reads a CreateAppPkg into a command', () => {
    expect(parseCreateAppPkg(minimal)).toEqual(minimal);
    const full = {
      ...minimal,
      appProvider: 'ACME',
      userDefinedData: { team: 'edge' },
      appPkgPath: 'oci://registry.example.com/charts/video:1.0.0',
    };
    expect(parseCreateAppPkg(full)).toEqual(full);
  });

  it.each([
    [null, 'The request body must be a CreateAppPkg object'],
    [[], 'The request body must be a CreateAppPkg object'],
    [{ ...minimal, appPkgName: '' }, 'appPkgName is required'],
    [{ ...minimal, appPkgVersion: 1 }, 'appPkgVersion must be a string'],
    [{ ...minimal, checksum: 'ab' }, 'checksum is required'],
    [
      { ...minimal, checksum: { algorithm: 'SHA-256' } },
      'checksum is required',
    ],
    [{ ...minimal, appProvider: {} }, 'appProvider must be a string'],
    [{ ...minimal, userDefinedData: [] }, 'userDefinedData must be an object'],
  ])('refuses %p', (body, message) => {
    expect(() => parseCreateAppPkg(body)).toThrow(InputError);
    expect(() => parseCreateAppPkg(body)).toThrow(message);
  });
});

describe('parseAppPkgInfoModifications', () => {
  it.each([
    [{ operationalState: 'ENABLED' }, 'ENABLED'],
    [{ operationalState: 'DISABLED' }, 'DISABLED'],
    // the v2.1.1 spelling
    [{ operationState: 'DISABLED' }, 'DISABLED'],
  ])('reads %p', (body, operationalState) => {
    expect(parseAppPkgInfoModifications(body)).toEqual({ operationalState });
  });

  it.each([
    [{}, 'operationalState is required'],
    [undefined, 'operationalState is required'],
    [
      { operationalState: 'ON' },
      'operationalState must be ENABLED or DISABLED',
    ],
  ])('refuses %p', (body, message) => {
    expect(() => parseAppPkgInfoModifications(body)).toThrow(InputError);
    expect(() => parseAppPkgInfoModifications(body)).toThrow(message);
  });
});
