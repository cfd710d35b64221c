import { AppD } from '@helmmec/plugin-mec-common';
import { PackageContentLimits, resolveLimits } from './limits';
import { verifyManifest, parseToscaMeta } from './packageMetadata';
import { AppDFile, decodeUtf8, parseAppDFile } from './parseAppDFile';
import { PackageContentError } from './PackageContentError';
import { HelmChart, readChart } from './readHelmChartArchive';
import { readZipArchive } from './readZipArchive';

export const TOSCA_META_PATH = 'TOSCA-Metadata/TOSCA.meta';

/** Result of {@link readMecPackageArchive}. */
export interface MecPackageContent {
  appd: AppD;
  appdFile: AppDFile;
  /** The Helm chart (MCIOP) of the package. */
  chart: HelmChart;
  /** Path of the chart archive inside the package. */
  chartPath: string;
  /** Paths of all regular files in the package, sorted. */
  files: string[];
  /** Block 0 of TOSCA.meta, when the package has one. */
  toscaMeta?: Record<string, string[]>;
  /** Path of the manifest whose digests were verified, if any. */
  manifestPath?: string;
}

/**
 * Reads a MEC application package (ZIP) into memory and validates it.
 *
 * Accepted layouts:
 * 1. CSAR style (ETSI GS NFV-SOL 004, as MEC 010-2 refers to):
 *    `TOSCA-Metadata/TOSCA.meta` whose `Entry-Definitions` names the AppD
 *    (YAML, or JSON by extension); the Helm chart `.tgz` is the one listed in
 *    `Other-Definitions`, else the only `.tgz` in the package (or, among
 *    several, the one named by the AppD's `mciopId`). A manifest
 *    (`ETSI-Entry-Manifest`, else a single root `*.mf`) has its `Source`/`Hash`
 *    digests verified.
 * 2. Without TOSCA.meta: exactly one `*.yaml|*.yml|*.json` at the root is the
 *    AppD; the chart is found as above.
 *
 * The chart's own `mec/appd.yaml`, if any, is not consulted: the package
 * AppD is authoritative.
 *
 * @throws PackageContentError
 */
export async function readMecPackageArchive(
  buffer: Buffer,
  limits?: Partial<PackageContentLimits>,
): Promise<MecPackageContent> {
  const resolved = resolveLimits(limits);
  const files = await readZipArchive(buffer, resolved, 'The package');
  const missing = (detail: string) =>
    new PackageContentError({
      kind: 'structure',
      title: 'Incomplete package',
      detail,
    });

  let toscaMeta: Map<string, string[]> | undefined;
  let appdPath: string;
  const toscaMetaFile = files.get(TOSCA_META_PATH);
  if (toscaMetaFile) {
    toscaMeta = parseToscaMeta(decodeUtf8(toscaMetaFile, TOSCA_META_PATH));
    const entry = toscaMeta.get('Entry-Definitions')?.[0];
    if (!entry) {
      throw missing(
        `${TOSCA_META_PATH} has no "Entry-Definitions" naming the AppD file.`,
      );
    }
    appdPath = entry.replace(/^\.?\//, '');
    if (!files.has(appdPath)) {
      throw missing(
        `${TOSCA_META_PATH} names the AppD "${entry}" (Entry-Definitions), but the package has no such file.`,
      );
    }
  } else {
    const candidates = [...files.keys()].filter(
      p => !p.includes('/') && /\.(ya?ml|json)$/i.test(p),
    );
    if (candidates.length !== 1) {
      throw missing(
        candidates.length === 0
          ? `The package has neither ${TOSCA_META_PATH} nor an AppD file (*.yaml or *.json) at its root.`
          : `The package has no ${TOSCA_META_PATH} and several possible AppD files at its root (${candidates.join(
              ', ',
            )}); add TOSCA.meta with Entry-Definitions or keep only one.`,
      );
    }
    appdPath = candidates[0];
  }

  const manifestPath = findManifest(files, toscaMeta);
  if (manifestPath) {
    await verifyManifest(
      manifestPath,
      decodeUtf8(files.get(manifestPath)!, manifestPath),
      files,
    );
  }

  const { appd, appdFile } = parseAppDFile(
    appdPath,
    files.get(appdPath)!,
    resolved,
  );
  const chartPath = findChart(files, toscaMeta, appd);
  const { chart } = readChart(
    files.get(chartPath)!,
    resolved,
    `The Helm chart "${chartPath}" in the package`,
  );
  return {
    appd,
    appdFile,
    chart,
    chartPath,
    files: [...files.keys()].sort(),
    toscaMeta: toscaMeta ? Object.fromEntries(toscaMeta) : undefined,
    manifestPath,
  };
}

function findManifest(
  files: Map<string, Buffer>,
  toscaMeta: Map<string, string[]> | undefined,
): string | undefined {
  const named = toscaMeta?.get('ETSI-Entry-Manifest')?.[0];
  if (named) {
    const path = named.replace(/^\.?\//, '');
    if (!files.has(path)) {
      throw new PackageContentError({
        kind: 'structure',
        title: 'Incomplete package',
        detail: `${TOSCA_META_PATH} names the manifest "${named}" (ETSI-Entry-Manifest), but the package has no such file.`,
      });
    }
    return path;
  }
  const roots = [...files.keys()].filter(
    p => !p.includes('/') && p.toLowerCase().endsWith('.mf'),
  );
  return roots.length === 1 ? roots[0] : undefined;
}

function findChart(
  files: Map<string, Buffer>,
  toscaMeta: Map<string, string[]> | undefined,
  appd: AppD,
): string {
  const isChart = (p: string) => /\.tgz$/i.test(p);
  const listed = (toscaMeta?.get('Other-Definitions') ?? [])
    .flatMap(v => v.split(/\s+/))
    .map(p => p.replace(/^\.?\//, ''))
    .filter(isChart);
  for (const path of listed) {
    if (!files.has(path)) {
      throw new PackageContentError({
        kind: 'structure',
        title: 'Incomplete package',
        detail: `${TOSCA_META_PATH} lists the chart "${path}" (Other-Definitions), but the package has no such file.`,
      });
    }
  }
  const candidates =
    listed.length > 0 ? listed : [...files.keys()].filter(isChart);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new PackageContentError({
      kind: 'structure',
      title: 'No Helm chart in package',
      detail:
        'The package contains no Helm chart archive (*.tgz); a HelmMEC package needs its chart, e.g. under Artifacts/.',
    });
  }
  const byMciop = appd.mciopId
    ? candidates.filter(p => {
        const base = p
          .split('/')
          .pop()!
          .replace(/\.tgz$/i, '');
        return p === appd.mciopId || base === appd.mciopId;
      })
    : [];
  if (byMciop.length === 1) return byMciop[0];
  throw new PackageContentError({
    kind: 'structure',
    title: 'Ambiguous Helm chart',
    detail: `The package contains several chart archives (${candidates.join(
      ', ',
    )}); name the one to deploy in TOSCA.meta Other-Definitions or in the AppD's mciopId.`,
  });
}
