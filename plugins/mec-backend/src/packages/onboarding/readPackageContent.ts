import { AppD } from '@helmmec/plugin-mec-common';
import {
  AppDDerivation,
  AppDFile,
  PackageContentError,
  readHelmChartArchive,
  readMecPackageArchive,
} from '../content';
import { buildMecPackageZip } from './buildMecPackageZip';

/** What onboarding keeps of a package archive, see {@link readPackageContent}. */
export interface PackageContent {
  appd: AppD;
  appdFile: AppDFile;
  /** The Helm chart to deploy: its archive and Chart.yaml name and version. */
  chart: { archive: Buffer; name: string; version: string };
  /** For an AppD derived from a bare chart: which attribute came from where. */
  derivation?: AppDDerivation[];
  /**
   * The MEC package ZIP built around a bare chart; absent when the archive
   * read was already a MEC package, which is then kept as it is.
   */
  builtPackageArchive?: Buffer;
}

const isZip = (b: Buffer) => b.length >= 4 && b.readUInt32LE(0) === 0x04034b50;
const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Reads and validates an archive given for onboarding: a MEC application
 * package (ZIP), or a bare Helm chart (gzip tar) that gets a package built
 * around it. CPU-bound and synchronous in parts (unpacking, YAML): the
 * onboarder runs it in a worker thread, see {@link PackageReaderPool}.
 *
 * @throws PackageContentError
 */
export async function readPackageContent(
  archive: Buffer,
): Promise<PackageContent> {
  if (isZip(archive)) {
    const pkg = await readMecPackageArchive(archive);
    return {
      appd: pkg.appd,
      appdFile: pkg.appdFile,
      chart: pick(pkg.chart),
    };
  }
  if (isGzip(archive)) {
    const read = readHelmChartArchive(archive);
    const chart = pick(read.chart);
    return {
      appd: read.appd,
      appdFile: read.appdFile,
      chart,
      derivation: read.derived ? read.derivation : undefined,
      builtPackageArchive: buildMecPackageZip({
        appdFileName: appdFileName(read.appdFile),
        appdText: read.appdFile.text,
        chartFileName: `${chart.name}-${chart.version}.tgz`,
        chartArchive: chart.archive,
      }),
    };
  }
  throw new PackageContentError({
    kind: 'archive',
    title: 'Unknown package format',
    detail:
      'The package is neither a ZIP (MEC application package) nor a gzip-compressed Helm chart archive',
  });
}

/** The AppD file's name without its directory, as stored and served. */
export function appdFileName(file: AppDFile): string {
  return file.path.split('/').pop()!;
}

function pick(chart: { archive: Buffer; name: string; version: string }) {
  return { archive: chart.archive, name: chart.name, version: chart.version };
}
