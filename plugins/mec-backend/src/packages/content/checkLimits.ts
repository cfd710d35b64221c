import { formatBytes, PackageContentLimits } from './limits';
import { PackageContentError } from './PackageContentError';

/**
 * Refuses an archive larger than the limits allow, before reading it;
 * `title` names what it is (a package, a chart archive).
 */
export function checkArchiveSize(
  archive: Buffer,
  label: string,
  limits: PackageContentLimits,
  title: string,
): void {
  if (archive.length > limits.maxArchiveBytes) {
    throw new PackageContentError({
      kind: 'limits',
      title,
      detail: `${label} is ${formatBytes(
        archive.length,
      )}; at most ${formatBytes(limits.maxArchiveBytes)} is accepted.`,
    });
  }
}

/**
 * Size checks shared by the ZIP and tar readers, per entry: the running
 * `total` of uncompressed sizes against the cap, and the compression ratio
 * of the entry (when its compressed size is known) and of everything read
 * so far against the archive's own size (when given).
 */
export function checkSizes(
  entry: { name: string; size: number; compressedSize?: number },
  total: number,
  archiveBytes: number | undefined,
  label: string,
  limits: PackageContentLimits,
) {
  const { name, size, compressedSize } = entry;
  if (total > limits.maxTotalUncompressedBytes) {
    throw new PackageContentError({
      kind: 'limits',
      title: 'Package content too large',
      detail: `${label} unpacks to more than ${formatBytes(
        limits.maxTotalUncompressedBytes,
      )} (reached at "${name}", ${formatBytes(size)}).`,
    });
  }
  if (
    compressedSize !== undefined &&
    exceedsRatio(size, compressedSize, limits)
  ) {
    throw new PackageContentError({
      kind: 'limits',
      title: 'Suspicious compression ratio',
      detail: `${label}: "${name}" inflates from ${formatBytes(
        compressedSize,
      )} to ${formatBytes(size)}, more than ${
        limits.maxCompressionRatio
      }:1; the archive looks like a decompression bomb.`,
    });
  }
  // Many entries just under the per-entry floor add up here.
  if (archiveBytes !== undefined && exceedsRatio(total, archiveBytes, limits)) {
    throw new PackageContentError({
      kind: 'limits',
      title: 'Suspicious compression ratio',
      detail: `${label} inflates from ${formatBytes(
        archiveBytes,
      )} to more than ${formatBytes(total)} (reached at "${name}"), more than ${
        limits.maxCompressionRatio
      }:1; the archive looks like a decompression bomb.`,
    });
  }
}

function exceedsRatio(
  size: number,
  compressedSize: number,
  limits: PackageContentLimits,
): boolean {
  return (
    size > limits.compressionRatioThresholdBytes &&
    size > compressedSize * limits.maxCompressionRatio
  );
}

/** The archive has more entries than the limits allow. */
export function tooManyEntries(
  label: string,
  count: number,
  limits: PackageContentLimits,
) {
  return new PackageContentError({
    kind: 'limits',
    title: 'Too many archive entries',
    detail: `${label} has ${count} entries; at most ${limits.maxEntries} are accepted.`,
  });
}
