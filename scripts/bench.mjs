// `npm run bench`: every benchmark of the repository, each printing its
// figures as ratios against a baseline measured in the same run.
import { join } from 'node:path';
import { ensureNodeModules, log, repoRoot, run } from './lib/setup.mjs';

ensureNodeModules();
log('edge clusters: build, up and helm install --wait');
run('npm', ['run', 'bench', '-w', '@internal/edge-cluster']);
log(
  'lifecycle: instantiate against a bare helm install --wait of the same chart',
);
// An absolute path: `--require` reads a bare relative path as a module name.
run('node', [
  '--require',
  join(repoRoot, 'node_modules/@backstage/cli-node/config/nodeTransform.cjs'),
  'packages/backend/bench/lifecycleBench.ts',
]);
