import { InputError } from '@backstage/errors';
import type { GrantRequest } from '@helmmec/plugin-mec-common';
import { parseGrantRequest } from './fromGrantingWire';
import { toGrant } from './toGrantingWire';

const links = {
  appLcmOpOcc: 'http://mepm.test/app_lcm_op_occs/o-1',
  appInstance: 'http://mepm.test/app_instances/i-1',
};

const body = (extra: object = {}) =>
  ({
    appInstanceId: 'i-1',
    appLcmOpOccId: 'o-1',
    appDId: 'd-1',
    operation: 'INSTANTIATE',
    _links: {
      appLcmOpOcc: { href: links.appLcmOpOcc },
      appInstance: { href: links.appInstance },
    },
    ...extra,
  } as GrantRequest);

describe('granting wire format', () => {
  it('reads host selection and location constraints from additionalParams', () => {
    expect(
      parseGrantRequest(
        body({
          additionalParams: {
            selectedMECHostInfo: [{ hostId: { name: 'edge-a' } }],
            locationConstraints: { countryCode: 'FI' },
          },
        }),
      ),
    ).toEqual({
      appInstanceId: 'i-1',
      appLcmOpOccId: 'o-1',
      appDId: 'd-1',
      operation: 'INSTANTIATE',
      hostSelection: { candidates: ['edge-a'] },
      locationConstraints: { countryCode: 'FI' },
      links,
    });
    expect(parseGrantRequest(body({ operation: 'TERMINATE' }))).toEqual({
      appInstanceId: 'i-1',
      appLcmOpOccId: 'o-1',
      appDId: 'd-1',
      operation: 'TERMINATE',
      links,
    });
    expect(
      parseGrantRequest(
        body({ addResources: [{ id: 'r1', type: 'OSCONTAINER' }] }),
      ).addResources,
    ).toEqual([{ id: 'r1', type: 'OSCONTAINER' }]);
    expect(() =>
      parseGrantRequest(
        body({
          addResources: [
            { id: 'r1', type: 'COMPUTE' },
            { id: 'r1', type: 'STORAGE' },
          ],
        }),
      ),
    ).toThrow(InputError);
  });

  it.each([
    { selectedMECHostInfo: 'edge-a' },
    { selectedMECHostInfo: [null] },
    { selectedMECHostInfo: [{ hostId: { zone: null } }] },
    { locationConstraints: [] },
  ])('refuses additionalParams %p with an InputError', additionalParams => {
    expect(() => parseGrantRequest(body({ additionalParams }))).toThrow(
      InputError,
    );
  });

  it('writes a Grant with the host as VIM connection and zone', () => {
    expect(
      toGrant(
        {
          id: 'g-1',
          appInstanceId: 'i-1',
          appLcmOpOccId: 'o-1',
          operation: 'INSTANTIATE',
          hostName: 'edge-a',
          containerNamespace: 'ns',
          addedResources: [
            { resourceDefinitionId: 'mciop', containerNamespace: 'ns' },
          ],
          createdAt: new Date(),
        },
        'http://meo.test/app_lcm/v1',
      ),
    ).toEqual({
      id: 'g-1',
      appInstanceId: 'i-1',
      appLcmOpOccId: 'o-1',
      vimConnections: {
        'edge-a': { id: 'edge-a', vimId: 'edge-a', vimType: 'KUBERNETES' },
      },
      zones: [
        { id: 'zone-edge-a', zoneId: 'edge-a', vimConnectionId: 'edge-a' },
      ],
      addResources: [
        {
          resourceDefinitionId: 'mciop',
          vimConnectionId: 'edge-a',
          zoneId: 'edge-a',
          containerNamespace: 'ns',
        },
      ],
      _links: {
        appLcmOpOcc: { href: 'http://meo.test/app_lcm/v1/app_lcm_op_occs/o-1' },
        appInstance: { href: 'http://meo.test/app_lcm/v1/app_instances/i-1' },
      },
    });
  });
});

describe('a grant that names no host', () => {
  it('has no VIM connection or zone, and echoes the MEPM links', () => {
    expect(
      toGrant(
        {
          id: 'g-2',
          appInstanceId: 'i-1',
          appLcmOpOccId: 'o-1',
          operation: 'INSTANTIATE',
          addedResources: [{ resourceDefinitionId: 'r1' }],
          links,
          createdAt: new Date(),
        },
        'http://meo.test/app_lcm/v1',
      ),
    ).toEqual({
      id: 'g-2',
      appInstanceId: 'i-1',
      appLcmOpOccId: 'o-1',
      addResources: [{ resourceDefinitionId: 'r1' }],
      _links: {
        appLcmOpOcc: { href: links.appLcmOpOcc },
        appInstance: { href: links.appInstance },
      },
    });
  });
});
