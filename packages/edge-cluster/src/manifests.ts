/*
 * Objects an edge cluster is bootstrapped with: kwok nodes and the restricted
 * ServiceAccount a platform team would register in the portal.
 */

/** Options for the fake nodes. */
export interface NodeOptions {
  cluster: string;
  count: number;
  /** Allocatable CPU per node (Kubernetes quantity), default `3800m` of `4`. */
  cpu?: string;
  /** Allocatable memory per node, default `15Gi` of `16Gi`. */
  memory?: string;
  pods?: number;
  region?: string;
}

/** Zones the fake nodes are spread over (round-robin). */
export const ZONES = ['a', 'b', 'c'];

export function nodeName(cluster: string, i: number) {
  return `${cluster}-node-${i}`;
}

/** kwok-managed Nodes with capacity, allocatable and topology labels. */
export function kwokNodes(o: NodeOptions): object[] {
  const region = o.region ?? `local-${o.cluster}`;
  const nodes: object[] = [];
  for (let i = 0; i < o.count; i++) {
    const name = nodeName(o.cluster, i);
    nodes.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: {
          'kwok.x-k8s.io/node': 'fake',
          'node.alpha.kubernetes.io/ttl': '0',
        },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': 'edge-4x16',
          'topology.kubernetes.io/region': region,
          'topology.kubernetes.io/zone': `${region}-${ZONES[i % ZONES.length]}`,
          'helmmec.io/edge-cluster': o.cluster,
          type: 'kwok',
        },
      },
      spec: {},
      status: {
        capacity: {
          cpu: '4',
          memory: '16Gi',
          pods: String(o.pods ?? 110),
          'ephemeral-storage': '100Gi',
        },
        allocatable: {
          cpu: o.cpu ?? '3800m',
          memory: o.memory ?? '15Gi',
          pods: String(o.pods ?? 110),
          'ephemeral-storage': '95Gi',
        },
      },
    });
  }
  return nodes;
}

/** Name of the restricted service account and the namespace it may deploy to. */
export const DEPLOYER = {
  serviceAccount: 'helmmec-deployer',
  serviceAccountNamespace: 'helmmec-system',
  tokenSecret: 'helmmec-deployer-token',
  targetNamespace: 'edge-apps',
};

/**
 * The deployer ServiceAccount: full rights on workload resources, Helm release
 * storage and Flux objects in the target namespace only, plus read access to
 * nodes and namespaces cluster-wide (health and capacity), and a long-lived
 * token Secret.
 */
export function deployerObjects(): object[] {
  const d = DEPLOYER;
  const labels = { 'app.kubernetes.io/managed-by': 'helmmec-edge-cluster' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: d.serviceAccountNamespace, labels },
    },
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: d.targetNamespace, labels },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: d.serviceAccount,
        namespace: d.serviceAccountNamespace,
        labels,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: d.tokenSecret,
        namespace: d.serviceAccountNamespace,
        labels,
        annotations: { 'kubernetes.io/service-account.name': d.serviceAccount },
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: {
        name: d.serviceAccount,
        namespace: d.targetNamespace,
        labels,
      },
      rules: [
        {
          apiGroups: [
            '',
            'apps',
            'batch',
            'autoscaling',
            'policy',
            'networking.k8s.io',
            'discovery.k8s.io',
          ],
          resources: ['*'],
          verbs: ['*'],
        },
        {
          apiGroups: ['source.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io'],
          resources: ['*'],
          verbs: ['*'],
        },
        {
          apiGroups: ['events.k8s.io'],
          resources: ['events'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: d.serviceAccount,
        namespace: d.targetNamespace,
        labels,
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: d.serviceAccount,
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: d.serviceAccount,
          namespace: d.serviceAccountNamespace,
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${d.serviceAccount}-read`, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['nodes', 'namespaces'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['metrics.k8s.io'],
          resources: ['nodes'],
          verbs: ['get', 'list'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${d.serviceAccount}-read`, labels },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: `${d.serviceAccount}-read`,
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: d.serviceAccount,
          namespace: d.serviceAccountNamespace,
        },
      ],
    },
  ];
}

/** Wrap objects in a v1 List for `kubectl apply -f -`. */
export function list(items: object[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}
