import type { EdgeHost } from '@helmmec/plugin-mec-common';

/** Millicores as CPUs, e.g. "3.8 CPU". */
export function cpu(millicores: number) {
  return `${(millicores / 1000).toFixed(1)} CPU`;
}

/** Bytes as GiB, e.g. "15.0 GiB". */
export function memory(bytes: number) {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** The state chip text of a host's latest health check. */
export function health(host: EdgeHost) {
  if (!host.status) return 'UNCHECKED';
  return host.status.reachable ? 'REACHABLE' : 'UNREACHABLE';
}
