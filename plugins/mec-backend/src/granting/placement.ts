import type { PlacementHost } from '../hosts/HostDirectory';

/** What an application instance needs from a host. */
export interface PlacementRequirements {
  cpuMillis: number;
  memoryBytes: number;
  /** Hosts named by selectedMECHostInfo; any host when absent. */
  candidates?: string[];
  /** Labels every chosen host must carry (from selectedMECHostInfo hostId). */
  requiredLabels?: Record<string, string>;
  /** From locationConstraints. */
  countryCode?: string;
  /** GeoJSON polygon rings [[lon, lat], ...] from locationConstraints.area. */
  area?: number[][][];
}

/** The outcome of placement: a host, and why every other host was not chosen. */
export interface PlacementDecision {
  host?: PlacementHost;
  /** Every host that fits, best first (`host` is the first). */
  fitting: PlacementHost[];
  rejected: Array<{ host: string; reasons: string[] }>;
}

const MiB = 1024 * 1024;

/** Whether [lon, lat] lies in a polygon (first ring; ray casting). */
function inPolygon(point: [number, number], rings: number[][][]): boolean {
  const ring = rings[0] ?? [];
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    const crosses =
      yi > point[1] !== yj > point[1] &&
      point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi;
    if (crosses) inside = !inside;
  }
  return inside;
}

/**
 * Chooses the host for an application instance: among healthy hosts that
 * satisfy every requirement, the one with the most free CPU (spreading
 * load). Each rejected host keeps its reasons, so a failed placement can say
 * why nothing fits.
 */
export function placeAppInstance(
  hosts: PlacementHost[],
  needs: PlacementRequirements,
): PlacementDecision {
  const rejected: PlacementDecision['rejected'] = [];
  const fitting: PlacementHost[] = [];
  for (const host of hosts) {
    const reasons: string[] = [];
    if (needs.candidates && !needs.candidates.includes(host.name)) {
      reasons.push('not among the selected MEC hosts');
    }
    if (!host.healthy) {
      reasons.push(
        `not healthy (${
          host.healthDetail ?? 'no successful health check yet'
        })`,
      );
    }
    for (const [key, value] of Object.entries(needs.requiredLabels ?? {})) {
      if (host.labels[key] !== value) {
        reasons.push(
          `label ${key} is ${
            host.labels[key] === undefined ? 'missing' : `'${host.labels[key]}'`
          }, '${value}' required`,
        );
      }
    }
    if (needs.countryCode) {
      const country = host.labels.countryCode ?? host.labels.country;
      if (country?.toUpperCase() !== needs.countryCode.toUpperCase()) {
        reasons.push(
          `in country ${country ?? 'unknown'}, ${needs.countryCode} required`,
        );
      }
    }
    if (needs.area) {
      const lat = Number(host.labels.latitude);
      const lon = Number(host.labels.longitude);
      if (Number.isNaN(lat) || Number.isNaN(lon)) {
        reasons.push(
          'has no latitude/longitude labels to check the location constraint',
        );
      } else if (!inPolygon([lon, lat], needs.area)) {
        reasons.push(`at ${lat},${lon}, outside the required area`);
      }
    }
    if (host.healthy) {
      if (
        host.freeCpuMillis !== undefined &&
        host.freeCpuMillis < needs.cpuMillis
      ) {
        reasons.push(
          `${host.freeCpuMillis}m CPU free, ${needs.cpuMillis}m needed`,
        );
      }
      if (
        host.freeMemoryBytes !== undefined &&
        host.freeMemoryBytes < needs.memoryBytes
      ) {
        reasons.push(
          `${Math.floor(
            host.freeMemoryBytes / MiB,
          )} MiB memory free, ${Math.ceil(needs.memoryBytes / MiB)} MiB needed`,
        );
      }
    }
    if (reasons.length) {
      rejected.push({ host: host.name, reasons });
    } else {
      fitting.push(host);
    }
  }
  fitting.sort((a, b) => (b.freeCpuMillis ?? 0) - (a.freeCpuMillis ?? 0));
  return { host: fitting[0], fitting, rejected };
}

/** CPU and memory an AppD asks for (virtualComputeDescriptor or OS containers). */
export function requirementsOfAppD(appd: Record<string, any>): {
  cpuMillis: number;
  memoryBytes: number;
} {
  const vcd = appd.virtualComputeDescriptor;
  if (vcd) {
    return {
      cpuMillis: Math.round(Number(vcd.virtualCpu?.numVirtualCpu ?? 0) * 1000),
      memoryBytes: Math.round(
        Number(vcd.virtualMemory?.virtualMemSize ?? 0) * MiB,
      ),
    };
  }
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const c of appd.osContainerDescriptor ?? []) {
    cpuMillis += Math.round(Number(c.requestedCpuResources ?? 0));
    memoryBytes += Math.round(Number(c.requestedMemoryResources ?? 0) * MiB);
  }
  return { cpuMillis, memoryBytes };
}
