/**
 * Local Kubernetes edge clusters for HelmMEC development and tests: real
 * etcd, kube-apiserver, controller-manager and scheduler built from upstream
 * Go modules, kwok fake nodes, optional Flux controllers, all on 127.0.0.1.
 *
 * @packageDocumentation
 */
export {
  ensureBinaries,
  cachedBinaries,
  formatProgress,
  ALL_BINARIES,
} from './binaries';
export type { Binaries, BuildProgress, BuildRecord } from './binaries';
export {
  startEdgeCluster,
  stopEdgeCluster,
  getEdgeCluster,
  edgeClusterStatus,
  edgeClusterEnv,
  listEdgeClusters,
  ClusterAlreadyRunningError,
  abortEdgeClusterStarts,
} from './cluster';
export type {
  EdgeCluster,
  StartOptions,
  ClusterPorts,
  ClusterStatus,
} from './cluster';
export { startHelmRepoServer, exampleChartsDir } from './helmRepo';
export type { HelmRepoServer } from './helmRepo';
export { DEPLOYER, kwokNodes } from './manifests';
export {
  cacheRoot,
  edgeCacheDir,
  versionDir,
  binDir,
  clustersDir,
} from './paths';
export { versionsKey, versionsSummary } from './versions';
export { run } from './kubectl';
export { loadClientNode } from './clientNode';
export type { ClientNode } from './clientNode';
