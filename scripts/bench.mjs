// `npm run bench`: every benchmark of the repository, each printing its
// figures as ratios against a baseline measured in the same run.
import { ensureNodeModules, log, run } from './lib/setup.mjs';

ensureNodeModules();
log('edge clusters: build, up and helm install --wait');
run('npm', ['run', 'bench', '-w', '@internal/edge-cluster']);
log(
  'lifecycle: instantiate against a bare helm install --wait of the same chart',
);
run('node', [
  '--require',
  'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
  'packages/backend/bench/lifecycleBench.ts',
]);
