/*
 * Jest global setup for this package: build (or reuse) the binaries once,
 * with progress on stderr, and give the test files a private run directory
 * for cluster state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBinaries, formatProgress } from '../binaries';

export default async function globalSetup() {
  const t0 = Date.now();
  try {
    const bins = await ensureBinaries({
      onProgress: p => process.stderr.write(`${formatProgress(p)}\n`),
    });
    if (Date.now() - t0 > 5000) {
      process.stderr.write(`[edge-cluster] binaries ready in ${bins.dir}\n`);
    }
  } catch (e: any) {
    // Fail this package's cluster tests (with the reason), not every project of a repo-wide run.
    process.stderr.write(
      `[edge-cluster] building the binaries failed:\n${e.message}\n`,
    );
    process.env.HELMMEC_EDGE_BUILD_ERROR = e.message;
  }
  if (!process.env.HELMMEC_EDGE_TEST_RUN_DIR) {
    process.env.HELMMEC_EDGE_TEST_RUN_DIR = fs.mkdtempSync(
      path.join(os.tmpdir(), 'helmmec-edge-test-'),
    );
  }
}
