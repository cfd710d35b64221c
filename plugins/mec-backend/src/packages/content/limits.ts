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
  /** Largest uncompressed:compressed ratio tolerated ... */
  maxCompressionRatio: number;
  /** ... once an entry (or a gzip stream) inflates beyond this many bytes. */
  compressionRatioThresholdBytes: number;
  /** Size of the AppD file. */
  maxAppDBytes: number;
}

/** Defaults sized for Helm charts and their AppD, which are small. */
export const DEFAULT_PACKAGE_CONTENT_LIMITS: PackageContentLimits = {
  maxArchiveBytes: 50 * MiB,
  maxEntries: 500,
  maxTotalUncompressedBytes: 200 * MiB,
  maxCompressionRatio: 100,
  // Small text files of repeated characters legitimately compress far
  // beyond 100:1; only ratios on sizeable content indicate a bomb.
  compressionRatioThresholdBytes: 1 * MiB,
  maxAppDBytes: 5 * MiB,
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
