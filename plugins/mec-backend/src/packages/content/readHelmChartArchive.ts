import { AppD } from '@helmmec/plugin-mec-common';
import { stringify } from 'yaml';
import { checkEntryName } from './checkEntryName';
import { formatBytes, PackageContentLimits, resolveLimits } from './limits';
import {
  AppDFile,
  decodeUtf8,
  parseAppDFile,
  parseYaml,
} from './parseAppDFile';
import { PackageContentError } from './PackageContentError';
import { readTarGzArchive } from './readTarGzArchive';
import { checkValuesSchemaRefs } from './valuesSchemaRefs';
import { validateAppD } from './validateAppD';

/** Chart.yaml annotation naming the AppD file inside the chart. */
export const CHART_APPD_PATH_ANNOTATION = 'helmmec.io/appd';
/** Chart.yaml annotations used when the AppD is derived. */
export const CHART_APPD_ID_ANNOTATION = 'mec.etsi.org/appDId';
export const CHART_APP_PROVIDER_ANNOTATION = 'mec.etsi.org/appProvider';
/** Where an AppD is looked for in a chart without the annotation. */
export const CHART_APPD_PATHS = [
  'mec/appd.yaml',
  'mec/appd.yml',
  'mec/appd.json',
];

/** A Helm chart archive and what its Chart.yaml says. */
export interface HelmChart {
  /** The chart archive (`.tgz`) as received. */
  archive: Buffer;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  /** Top-level directory of the chart in the archive. */
  root: string;
  /** The parsed Chart.yaml. */
  metadata: Record<string, unknown>;
}

/** Where a derived AppD attribute came from. */
export interface AppDDerivation {
  attribute: keyof AppD;
  source: string;
}

/** Result of {@link readHelmChartArchive}. */
export interface HelmChartContent {
  appd: AppD;
  /** The AppD file; for a derived AppD, the generated YAML. */
  appdFile: AppDFile;
  /** True when the chart has no AppD and it was derived from Chart.yaml. */
  derived: boolean;
  /** For a derived AppD: which attribute came from where. */
  derivation: AppDDerivation[];
  chart: HelmChart;
  /** Paths of all regular files in the archive, sorted. */
  files: string[];
}

/**
 * Reads a Helm chart archive (`.tgz`, as in a Helm repository or pulled
 * from an OCI registry) and its AppD: the file named by the Chart.yaml
 * annotation `helmmec.io/appd`, else `mec/appd.yaml` (`.yml`, `.json`) in
 * the chart. Without one, the AppD is derived from Chart.yaml and the
 * result says so (`derived`, `derivation`).
 *
 * @throws PackageContentError
 */
export function readHelmChartArchive(
  buffer: Buffer,
  limits?: Partial<PackageContentLimits>,
): HelmChartContent {
  const resolved = resolveLimits(limits);
  const { chart, files } = readChart(
    buffer,
    resolved,
    'The Helm chart archive',
  );
  const appdPath = findChartAppD(chart, files);
  if (appdPath) {
    const { appd, appdFile } = parseAppDFile(
      appdPath,
      files.get(appdPath)!,
      resolved,
    );
    return {
      appd,
      appdFile,
      derived: false,
      derivation: [],
      chart,
      files: [...files.keys()].sort(),
    };
  }
  const { appd, derivation } = deriveAppD(chart, files);
  return {
    appd,
    appdFile: {
      path: 'appd.yaml',
      text: derivedAppDText(chart, appd, derivation),
      mediaType: 'application/yaml',
    },
    derived: true,
    derivation,
    chart,
    files: [...files.keys()].sort(),
  };
}

/**
 * Reads a chart archive's files and Chart.yaml; shared with the MEC
 * package reader, which takes the AppD from the package instead.
 */
export function readChart(
  buffer: Buffer,
  limits: PackageContentLimits,
  label: string,
): { chart: HelmChart; files: Map<string, Buffer> } {
  const files = readTarGzArchive(buffer, limits, label);
  const roots = new Set([...files.keys()].map(p => p.split('/')[0]));
  const notAChart = (why: string) =>
    new PackageContentError({
      kind: 'structure',
      title: 'Not a Helm chart',
      detail: `${label} is not a Helm chart: ${why}.`,
    });
  if (roots.size !== 1 || [...files.keys()].some(p => !p.includes('/'))) {
    throw notAChart(
      'all files must be inside one top-level directory (as `helm package` creates)',
    );
  }
  const root = [...roots][0];
  const chartYaml = files.get(`${root}/Chart.yaml`);
  if (!chartYaml) throw notAChart(`there is no ${root}/Chart.yaml`);
  // values.yaml is parsed only to derive an AppD, but Helm parses it at
  // every install: refuse it here whatever the chart's AppD.
  for (const file of ['Chart.yaml', 'values.yaml']) {
    checkChartYamlSize(`${root}/${file}`, files, limits, label);
  }
  // Helm would fetch a schema's remote $refs at install time.
  checkValuesSchemaRefs(files, limits, label);
  const metadata = parseYaml(
    decodeUtf8(chartYaml, `${root}/Chart.yaml`),
    `${root}/Chart.yaml`,
  );
  if (
    typeof metadata !== 'object' ||
    metadata === null ||
    Array.isArray(metadata)
  ) {
    throw notAChart(`${root}/Chart.yaml is not a YAML mapping`);
  }
  const meta = metadata as Record<string, unknown>;
  const name = scalar(meta.name);
  const version = scalar(meta.version);
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw notAChart(`${root}/Chart.yaml has no valid "name"`);
  }
  // Helm requires SemVer 2 chart versions.
  if (!version || !/^v?\d+(\.\d+){0,2}([-+][0-9A-Za-z.+-]*)?$/.test(version)) {
    throw notAChart(
      `${root}/Chart.yaml has no valid SemVer "version" (got ${JSON.stringify(
        meta.version ?? null,
      )})`,
    );
  }
  return {
    chart: {
      archive: buffer,
      name,
      version,
      appVersion: scalar(meta.appVersion),
      description: scalar(meta.description),
      root,
      metadata: meta,
    },
    files,
  };
}

function checkChartYamlSize(
  path: string,
  files: Map<string, Buffer>,
  limits: PackageContentLimits,
  label: string,
) {
  const size = files.get(path)?.length ?? 0;
  if (size > limits.maxChartYamlBytes) {
    throw new PackageContentError({
      kind: 'limits',
      title: 'Chart file too large',
      detail: `${label}: ${path} is ${formatBytes(size)}; at most ${formatBytes(
        limits.maxChartYamlBytes,
      )} is accepted.`,
    });
  }
}

function findChartAppD(
  chart: HelmChart,
  files: Map<string, Buffer>,
): string | undefined {
  const annotated = annotation(chart, CHART_APPD_PATH_ANNOTATION);
  if (annotated) {
    const path = `${chart.root}/${checkEntryName(
      annotated,
      `The annotation ${CHART_APPD_PATH_ANNOTATION} of ${chart.root}/Chart.yaml`,
    )}`;
    if (!files.has(path)) {
      throw new PackageContentError({
        kind: 'structure',
        title: 'AppD missing from chart',
        detail: `${chart.root}/Chart.yaml names its AppD "${annotated}" (annotation ${CHART_APPD_PATH_ANNOTATION}), but the chart has no ${path}.`,
      });
    }
    return path;
  }
  return CHART_APPD_PATHS.map(p => `${chart.root}/${p}`).find(p =>
    files.has(p),
  );
}

function deriveAppD(
  chart: HelmChart,
  files: Map<string, Buffer>,
): { appd: AppD; derivation: AppDDerivation[] } {
  const derivation: AppDDerivation[] = [];
  const from = <T>(attribute: keyof AppD, value: T, source: string): T => {
    derivation.push({ attribute, source });
    return value;
  };
  const chartYaml = `${chart.root}/Chart.yaml`;
  const idAnnotation = annotation(chart, CHART_APPD_ID_ANNOTATION);
  const providerAnnotation = annotation(chart, CHART_APP_PROVIDER_ANNOTATION);
  const maintainer = firstMaintainerName(chart.metadata.maintainers);
  const image = chartImage(chart, files);

  const deriveProvider = () => {
    if (providerAnnotation) {
      return from(
        'appProvider',
        providerAnnotation,
        `${chartYaml} annotation ${CHART_APP_PROVIDER_ANNOTATION}`,
      );
    }
    if (maintainer) {
      return from(
        'appProvider',
        maintainer,
        `${chartYaml} maintainers[0].name`,
      );
    }
    return from(
      'appProvider',
      'unknown',
      'default (Chart.yaml names no maintainer)',
    );
  };

  const appd: Record<string, unknown> = {
    appDId: idAnnotation
      ? from(
          'appDId',
          idAnnotation,
          `${chartYaml} annotation ${CHART_APPD_ID_ANNOTATION}`,
        )
      : from(
          'appDId',
          `${chart.name}-${chart.version}`,
          `${chartYaml} name and version`,
        ),
    appName: from('appName', chart.name, `${chartYaml} name`),
    appProvider: deriveProvider(),
    appSoftVersion: chart.appVersion
      ? from('appSoftVersion', chart.appVersion, `${chartYaml} appVersion`)
      : from(
          'appSoftVersion',
          chart.version,
          `${chartYaml} version (no appVersion)`,
        ),
    appDVersion: from('appDVersion', chart.version, `${chartYaml} version`),
    mecVersion: from(
      'mecVersion',
      '3.1.1',
      'default (ETSI GS MEC 010-2 V3.1.1)',
    ),
    appDescription: chart.description
      ? from('appDescription', chart.description, `${chartYaml} description`)
      : from(
          'appDescription',
          `Helm chart ${chart.name} ${chart.version}`,
          'default (Chart.yaml has no description)',
        ),
    swImageDescriptor: image
      ? from(
          'swImageDescriptor',
          [
            {
              id: chart.name,
              name: image.repository,
              version: image.tag,
              containerFormat: 'DOCKER',
              swImage: `${image.repository}:${image.tag}`,
            },
          ],
          `${chart.root}/values.yaml ${image.from}`,
        )
      : from(
          'swImageDescriptor',
          [{ id: chart.name, name: chart.name, version: chart.version }],
          `${chartYaml} name and version (the chart's images are not known)`,
        ),
    mciopId: from(
      'mciopId',
      `${chart.name}-${chart.version}`,
      `${chartYaml} name and version`,
    ),
  };
  // Chart.yaml fields are free text; validation catches what cannot be an
  // AppD (e.g. an annotation with an empty appDId).
  return {
    appd: validateAppD(appd, `The AppD derived from ${chartYaml}`),
    derivation,
  };
}

/** The conventional `image.repository`/`image.tag` of values.yaml. */
function chartImage(
  chart: HelmChart,
  files: Map<string, Buffer>,
): { repository: string; tag: string; from: string } | undefined {
  const content = files.get(`${chart.root}/values.yaml`);
  if (!content) return undefined;
  let values: unknown;
  try {
    values = parseYaml(decodeUtf8(content, 'values.yaml'), 'values.yaml');
  } catch {
    // values.yaml is for Helm to judge; we only look for an image in it.
    return undefined;
  }
  const image = (values as { image?: Record<string, unknown> } | null)?.image;
  if (typeof image !== 'object' || image === null) return undefined;
  const repository = scalar(image.repository);
  if (!repository) return undefined;
  const registry = scalar(image.registry);
  const tag = scalar(image.tag) || chart.appVersion || 'latest';
  return {
    repository: registry ? `${registry}/${repository}` : repository,
    tag,
    from: `image.${registry ? 'registry/' : ''}repository${
      scalar(image.tag) ? ' and image.tag' : ' (tag from appVersion)'
    }`,
  };
}

function derivedAppDText(
  chart: HelmChart,
  appd: AppD,
  derivation: AppDDerivation[],
): string {
  const header = [
    `# AppD derived by HelmMEC from ${chart.root}/Chart.yaml: the chart has no`,
    `# ${CHART_APPD_PATHS[0]}. Where each attribute came from:`,
    ...derivation.map(d => `#   ${d.attribute}: ${d.source}`),
  ];
  return `${header.join('\n')}\n${stringify(appd)}`;
}

function annotation(chart: HelmChart, key: string): string | undefined {
  const annotations = chart.metadata.annotations;
  if (typeof annotations !== 'object' || annotations === null) return undefined;
  return scalar((annotations as Record<string, unknown>)[key]);
}

function firstMaintainerName(maintainers: unknown): string | undefined {
  if (!Array.isArray(maintainers) || maintainers.length === 0) return undefined;
  const first = maintainers[0];
  return typeof first === 'object' && first !== null
    ? scalar((first as Record<string, unknown>).name)
    : undefined;
}

/** A YAML scalar as a trimmed string (numbers like `version: 1.0` too). */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
