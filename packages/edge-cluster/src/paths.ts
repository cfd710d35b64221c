import os from 'node:os';
import path from 'node:path';
import { versionsKey } from './versions';

/**
 * Root of every HelmMEC cache: `$HELMMEC_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/helmmec`, else `~/.cache/helmmec`. Always absolute and
 * outside the work tree, so a fresh clone reuses built binaries.
 */
export function cacheRoot(): string {
  const env = process.env;
  if (env.HELMMEC_CACHE_DIR) return path.resolve(env.HELMMEC_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.resolve(xdg, 'helmmec');
}

/** `<cacheRoot>/edge-cluster` */
export function edgeCacheDir(): string {
  return path.join(cacheRoot(), 'edge-cluster');
}

/** `<cacheRoot>/edge-cluster/<versions-key>` : holds bin/, crds/ and build.json. */
export function versionDir(): string {
  return path.join(edgeCacheDir(), versionsKey());
}

/** Directory with the cached binaries (etcd, kube-*, kwok, flux, helm, kubectl). */
export function binDir(): string {
  return path.join(versionDir(), 'bin');
}

/** Directory with the Flux CRDs copied from the module downloads. */
export function crdDir(): string {
  return path.join(versionDir(), 'crds');
}

/** Where cluster state lives unless overridden: `$HELMMEC_CLUSTERS_DIR` or `<cacheRoot>/clusters`. */
export function clustersDir(): string {
  return process.env.HELMMEC_CLUSTERS_DIR
    ? path.resolve(process.env.HELMMEC_CLUSTERS_DIR)
    : path.join(cacheRoot(), 'clusters');
}
