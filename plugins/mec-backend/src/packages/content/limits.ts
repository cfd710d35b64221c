const MiB = 1024 * 1024;

/**
 * Bounds applied while reading a package or chart archive, all in memory.
 * Every field may be overridden; see {@link DEFAULT_PACKAGE_CONTENT_LIMITS}.
 */
export interface PackageContentLimits {
  /** Size of the archive itself. */
  maxArchiveBytes: number;
  /** Number of entries (files and directories). */
  maxEntries: number;
  /** Sum of the uncompressed sizes of all entries. */
  maxTotalUncompressedBytes: number;
  /**
   * Largest uncompressed:compressed ratio tolerated, for the archive as a
   * whole and for each entry ...
   */
  maxCompressionRatio: number;
  /** ... once it inflates beyond this many bytes. */
  compressionRatioThresholdBytes: number;
  /** Size of the AppD file. */
  maxAppDBytes: number;
  /** Size of a chart's Chart.yaml and values.yaml, checked before parsing. */
  maxChartYamlBytes: number;
}

/** Defaults sized for Helm charts and their AppD, which are small. */
export const DEFAULT_PACKAGE_CONTENT_LIMITS: PackageContentLimits = {
  maxArchiveBytes: 50 * MiB,
  maxEntries: 500,
  maxTotalUncompressedBytes: 200 * MiB,
  maxCompressionRatio: 100,
  // Tiny files (a few lines of repeated characters) legitimately compress
  // beyond 100:1; from 64 KiB on the ratio counts, per entry and for the
  // whole archive, so many small bombs cannot add up.
  compressionRatioThresholdBytes: 64 * 1024,
  // Parsing YAML is synchronous: these caps bound how long one file can
  // hold the event loop. Real AppDs, Chart.yaml and values.yaml files are
  // tens of KiB.
  maxAppDBytes: 1 * MiB,
  maxChartYamlBytes: 1 * MiB,
};

export function resolveLimits(
  limits?: Partial<PackageContentLimits>,
): PackageContentLimits {
  return { ...DEFAULT_PACKAGE_CONTENT_LIMITS, ...limits };
}

export function formatBytes(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}
