import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadClientNode } from '../clientNode';
import { cachedBinaries } from '../binaries';
import { run } from '../kubectl';
import { waitFor } from '../processes';

/** Where test clusters keep their state (set by globalSetup). Throws if globalSetup could not build the binaries. */
export function testRunDir(): string {
  if (process.env.HELMMEC_EDGE_BUILD_ERROR) {
    throw new Error(
      `edge-cluster binaries could not be built: ${process.env.HELMMEC_EDGE_BUILD_ERROR}`,
    );
  }
  let dir = process.env.HELMMEC_EDGE_TEST_RUN_DIR;
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helmmec-edge-test-'));
    process.env.HELMMEC_EDGE_TEST_RUN_DIR = dir;
  }
  return dir;
}

/** A unique cluster name per test file and run. */
export function uniqueName(prefix: string) {
  return `${prefix}-${process.pid.toString(36)}${Math.floor(
    Math.random() * 1296,
  ).toString(36)}`;
}

export function bins() {
  const b = cachedBinaries();
  if (!b)
    throw new Error(
      'binaries are not built (jest globalSetup should have built them)',
    );
  return b.bin;
}

export async function kubeConfigFrom(file: string): Promise<KubeConfig> {
  const { KubeConfig: KC } = await loadClientNode();
  const kc = new KC();
  kc.loadFromFile(file);
  return kc;
}

/** Run kubectl / helm against a kubeconfig, with private helm dirs. */
export function tools(kubeconfigPath: string, scratch: string) {
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfigPath,
    HELM_CACHE_HOME: path.join(scratch, 'helm-cache'),
    HELM_CONFIG_HOME: path.join(scratch, 'helm-config'),
    HELM_DATA_HOME: path.join(scratch, 'helm-data'),
  };
  return {
    kubectl: (args: string[], input?: string) =>
      run(bins().kubectl, args, { env, input, timeoutMs: 180_000 }),
    helm: (args: string[]) =>
      run(bins().helm, args, { env, timeoutMs: 300_000 }),
  };
}

/** Wait until a Deployment reports Available with all replicas available. */
export async function waitDeploymentAvailable(
  kc: KubeConfig,
  namespace: string,
  name: string,
  timeoutMs = 120_000,
) {
  const { AppsV1Api } = await loadClientNode();
  const apps = kc.makeApiClient(AppsV1Api);
  return waitFor(
    `deployment ${namespace}/${name} Available`,
    async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace });
      const want = d.spec?.replicas ?? 1;
      const available = d.status?.conditions?.some(
        c => c.type === 'Available' && c.status === 'True',
      );
      return available && (d.status?.availableReplicas ?? 0) >= want
        ? d
        : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}
