import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import {
  cachedBinaries,
  ensureBinaries,
  startEdgeCluster,
  type EdgeCluster,
} from '@internal/edge-cluster';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The packaged example charts of the repository. */
export const exampleChartsDir = resolve(
  __dirname,
  '../../../../../examples/packages/charts',
);

export function exampleChart(name: string, version = '0.1.0') {
  return {
    name,
    version,
    archive: readFileSync(join(exampleChartsDir, `${name}-${version}.tgz`)),
  };
}

export async function helmBinary(): Promise<string> {
  return (cachedBinaries() ?? (await ensureBinaries())).bin.helm;
}

/** Starts a uniquely named cluster with its state in a temporary directory, removed on stop. */
export async function startTestCluster(
  prefix: string,
  flux: boolean,
): Promise<EdgeCluster> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  const runDir = mkdtempSync(join(tmpdir(), 'helmmec-drv-'));
  await (cachedBinaries() ?? ensureBinaries());
  try {
    const cluster = await startEdgeCluster({ name, nodes: 2, flux, runDir });
    const stop = cluster.stop.bind(cluster);
    return {
      ...cluster,
      stop: async () => {
        await stop();
        rmSync(runDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(runDir, { recursive: true, force: true });
    throw e;
  }
}

/** The host as a platform team registers it: the restricted ServiceAccount token. */
export function deployerConnection(cluster: EdgeCluster): EdgeHostConnection {
  return {
    name: cluster.name,
    server: cluster.server,
    caData: cluster.caData,
    credential: {
      type: 'serviceAccountToken',
      token: cluster.serviceAccountToken,
    },
  };
}
