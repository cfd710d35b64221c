import type { PlacementHost } from '../hosts/HostDirectory';
import { placeAppInstance } from './placement';

const host = (
  name: string,
  extra: Partial<PlacementHost> = {},
): PlacementHost => ({
  name,
  labels: {},
  healthy: true,
  freeCpuMillis: 4000,
  freeMemoryBytes: 8 * 1024 ** 3,
  ...extra,
});

describe('placeAppInstance', () => {
  const needs = { cpuMillis: 1000, memoryBytes: 512 * 1024 ** 2 };

  it('takes the fitting host with the most free CPU', () => {
    const decision = placeAppInstance(
      [host('a', { freeCpuMillis: 2000 }), host('b', { freeCpuMillis: 3000 })],
      needs,
    );
    expect(decision.host?.name).toBe('b');
    expect(decision.fitting.map(h => h.name)).toEqual(['b', 'a']);
    expect(decision.rejected).toEqual([]);
  });

  it('says why each host was rejected when none fits', () => {
    const decision = placeAppInstance(
      [
        host('small', { freeCpuMillis: 500 }),
        host('down', { healthy: false, healthDetail: 'connection refused' }),
        host('elsewhere', { labels: { 'topology.kubernetes.io/zone': 'b' } }),
      ],
      { ...needs, requiredLabels: { 'topology.kubernetes.io/zone': 'a' } },
    );
    expect(decision.host).toBeUndefined();
    expect(decision.fitting).toEqual([]);
    expect(decision.rejected).toEqual([
      {
        host: 'small',
        reasons: [
          "label topology.kubernetes.io/zone is missing, 'a' required",
          '500m CPU free, 1000m needed',
        ],
      },
      {
        host: 'down',
        reasons: [
          'not healthy (connection refused)',
          "label topology.kubernetes.io/zone is missing, 'a' required",
        ],
      },
      {
        host: 'elsewhere',
        reasons: ["label topology.kubernetes.io/zone is 'b', 'a' required"],
      },
    ]);
  });

  it('honours selected hosts and location areas', () => {
    const hosts = [
      host('paris', { labels: { latitude: '48.85', longitude: '2.35' } }),
      host('berlin', { labels: { latitude: '52.52', longitude: '13.40' } }),
    ];
    const france = [
      [
        [-5, 42],
        [8, 42],
        [8, 51],
        [-5, 51],
        [-5, 42],
      ],
    ];
    expect(placeAppInstance(hosts, { ...needs, area: france }).host?.name).toBe(
      'paris',
    );
    expect(
      placeAppInstance(hosts, { ...needs, candidates: ['berlin'] }).host?.name,
    ).toBe('berlin');
  });
});
