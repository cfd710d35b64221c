// `npm run bench`: every benchmark of the repository, each printing its
// figures as ratios against a baseline measured in the same run.
import { ensureNodeModules, log, run } from './lib/setup.mjs';

ensureNodeModules();
log('edge clusters: build, up and helm install --wait');
run('npm', ['run', 'bench', '-w', '@internal/edge-cluster']);
