import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import {
  cachedBinaries,
  ensureBinaries,
  startEdgeCluster,
  type EdgeCluster,
} from '@internal/edge-cluster';
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

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

/**
 * video-analytics 1.2.0, built with `helm package` from the 1.1.0 example
 * with a negative replica count in its Deployment: the API server refuses
 * every install or upgrade of it at once, whatever the values.
 */
export async function brokenVideoAnalyticsChart(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'helmmec-broken-'));
  try {
    const chartDir = join(dir, 'video-analytics');
    cpSync(
      join(exampleChartsDir, '..', '..', 'charts', 'video-analytics-1.1.0'),
      chartDir,
      {
        recursive: true,
      },
    );
    const deployment = join(chartDir, 'templates', 'deployment.yaml');
    writeFileSync(
      deployment,
      readFileSync(deployment, 'utf8').replace(
        'replicas: {{ .Values.replicaCount }}',
        'replicas: -1',
      ),
    );
    await promisify(execFile)(
      await helmBinary(),
      [
        'package',
        chartDir,
        '--version',
        '1.2.0',
        '--app-version',
        '2.6.0',
        '--destination',
        dir,
      ],
      { env: { PATH: process.env.PATH, HOME: dir } },
    );
    return readFileSync(join(dir, 'video-analytics-1.2.0.tgz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
