/* Jest global teardown: stop any cluster a test file left behind (by pid) and remove the run dir. */
import fs from 'node:fs';
import { listEdgeClusters, stopEdgeCluster } from '../cluster';

export default async function globalTeardown() {
  const runDir = process.env.HELMMEC_EDGE_TEST_RUN_DIR;
  if (!runDir || !fs.existsSync(runDir)) return;
  for (const name of listEdgeClusters({ runDir })) {
    const r = await stopEdgeCluster(name, { runDir });
    if (r.stopped)
      process.stderr.write(
        `[edge-cluster] teardown stopped ${r.stopped} leftover process(es) of ${name}\n`,
      );
  }
  fs.rmSync(runDir, { recursive: true, force: true });
}
