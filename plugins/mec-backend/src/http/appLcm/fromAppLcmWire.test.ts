import { InputError } from '@backstage/errors';
import type { InstantiateAppRequest } from '@helmmec/plugin-mec-common';
import {
  parseCreateAppInstanceRequest,
  parseInstantiateAppRequest,
  parseOperateAppRequest,
  parseSelectedMECHostInfo,
  parseTerminateAppRequest,
} from './fromAppLcmWire';
import { toOperationParams } from './toAppLcmWire';

// Bodies the OpenAPI validator would refuse reach the parser too when they
// come through granting/v1's free-form additionalParams.
const instantiate = (body: object) =>
  parseInstantiateAppRequest(body as InstantiateAppRequest);

describe('fromAppLcmWire', () => {
  it('reads InstantiateAppRequest as an InstantiateCommand', () => {
    expect(
      instantiate({
        selectedMECHostInfo: [
          { hostName: 'edge-a', hostId: { name: 'edge-a', zone: 'zone-a' } },
          { hostId: 'edge-b' },
          { hostName: 'edge-c', hostId: { rack: 7 } },
        ],
        locationConstraints: {
          countryCode: 'FI',
          area: {
            type: 'Polygon',
            coordinates: [
              [
                [24, 60],
                [25, 60],
                [25, 61],
                [24, 60],
              ],
            ],
          },
        },
        additionalParams: { replicaCount: 2 },
      }),
    ).toEqual({
      lcmOperation: 'INSTANTIATE',
      hostSelection: {
        candidates: ['edge-a', 'edge-b', 'edge-c'],
        requiredLabels: { zone: 'zone-a', rack: '7' },
      },
      locationConstraints: {
        countryCode: 'FI',
        area: [
          [
            [24, 60],
            [25, 60],
            [25, 61],
            [24, 60],
          ],
        ],
      },
      values: { replicaCount: 2 },
    });
    expect(instantiate({})).toEqual({
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
    expect(
      instantiate({ selectedMECHostInfo: [{ hostId: { zone: 'zone-b' } }] }),
    ).toEqual({
      lcmOperation: 'INSTANTIATE',
      hostSelection: { requiredLabels: { zone: 'zone-b' } },
      values: {},
    });
  });

  it.each([
    ['a string', { selectedMECHostInfo: 'edge-a' }],
    ['an object', { selectedMECHostInfo: { hostId: 'edge-a' } }],
    ['null', { selectedMECHostInfo: null }],
    ['an array with null', { selectedMECHostInfo: [null] }],
    ['a number hostId', { selectedMECHostInfo: [{ hostId: 7 }] }],
    ['a null hostId', { selectedMECHostInfo: [{ hostId: null }] }],
    ['no hostId', { selectedMECHostInfo: [{}] }],
    ['a nested label', { selectedMECHostInfo: [{ hostId: { zone: {} } }] }],
    [
      'a numeric hostName',
      { selectedMECHostInfo: [{ hostName: 1, hostId: {} }] },
    ],
    ['a string locationConstraints', { locationConstraints: 'FI' }],
    [
      'an area of strings',
      {
        locationConstraints: {
          area: { type: 'Polygon', coordinates: [[['a', 'b']]] },
        },
      },
    ],
    [
      'a Point area',
      {
        locationConstraints: { area: { type: 'Point', coordinates: [24, 60] } },
      },
    ],
    ['array additionalParams', { additionalParams: [1] }],
  ])('refuses %s with an InputError', (_, body) => {
    expect(() => instantiate(body)).toThrow(InputError);
  });

  it('names the attribute at fault', () => {
    expect(() =>
      parseSelectedMECHostInfo(
        [{ hostId: 'a' }, null],
        'additionalParams.selectedMECHostInfo',
      ),
    ).toThrow(
      'additionalParams.selectedMECHostInfo[1] must be a MECHostInformation',
    );
  });

  it('reads OperateAppRequest, TerminateAppRequest and CreateAppInstanceRequest', () => {
    expect(
      parseOperateAppRequest({
        changeStateTo: 'STOPPED',
        stopType: 'GRACEFUL',
        gracefulStopTimeout: 60,
      }),
    ).toEqual({
      lcmOperation: 'OPERATE',
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 60,
    });
    expect(() =>
      parseOperateAppRequest({ changeStateTo: 'PAUSED' } as any),
    ).toThrow(InputError);
    expect(() =>
      parseOperateAppRequest({
        changeStateTo: 'STOPPED',
        gracefulStopTimeout: -1,
      }),
    ).toThrow(InputError);
    expect(parseTerminateAppRequest({ terminationType: 'FORCEFUL' })).toEqual({
      lcmOperation: 'TERMINATE',
      terminationType: 'FORCEFUL',
    });
    expect(() => parseTerminateAppRequest({} as any)).toThrow(InputError);
    expect(
      parseCreateAppInstanceRequest({ appDId: 'd', appInstanceName: 'n' }),
    ).toEqual({ appDId: 'd', appInstanceName: 'n' });
    expect(() => parseCreateAppInstanceRequest({ appDId: '' })).toThrow(
      InputError,
    );
  });

  it('gives operationParams back as the request the command came from', () => {
    for (const body of [
      {
        selectedMECHostInfo: [{ hostId: { name: 'edge-a', zone: 'zone-a' } }],
        locationConstraints: {
          countryCode: 'FI',
          area: { type: 'Polygon', coordinates: [[[24, 60]]] },
        },
        additionalParams: { replicaCount: 2 },
      },
      { selectedMECHostInfo: [{ hostId: { zone: 'zone-b' } }] },
      {},
    ]) {
      expect(toOperationParams(instantiate(body))).toEqual(body);
    }
    const operate = {
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 60,
    } as const;
    expect(toOperationParams(parseOperateAppRequest(operate))).toEqual(operate);
    const terminate = {
      terminationType: 'GRACEFUL',
      gracefulTerminationTimeout: 30,
    } as const;
    expect(toOperationParams(parseTerminateAppRequest(terminate))).toEqual(
      terminate,
    );
  });
});
