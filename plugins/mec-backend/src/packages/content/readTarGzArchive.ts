import { gunzipSync } from 'node:zlib';
import { Parser, ReadEntry } from 'tar';
import { checkEntryName, checkUniqueEntry } from './checkEntryName';
import { checkArchiveSize, checkSizes, tooManyEntries } from './checkLimits';
import { formatBytes, PackageContentLimits } from './limits';
import { PackageContentError } from './PackageContentError';

const REGULAR = new Set(['File', 'OldFile', 'ContiguousFile']);
const BLOCK = 512;

/**
 * Reads the regular files of a gzip-compressed tar archive (a Helm chart)
 * into memory, enforcing `limits` and rejecting unsafe entries. Keys are
 * normalised entry names.
 */
export function readTarGzArchive(
  buffer: Buffer,
  limits: PackageContentLimits,
  label: string,
): Map<string, Buffer> {
  checkArchiveSize(buffer, label, limits, 'Chart archive too large');
  if (buffer.length < 2 || buffer[0] !== 0x1f || buffer[1] !== 0x8b) {
    throw new PackageContentError({
      kind: 'archive',
      title: 'Not a gzip archive',
      detail: `${label} is not gzip-compressed; a Helm chart archive must be a .tgz file.`,
    });
  }
  const tarball = gunzip(buffer, limits, label);
  return parseTar(tarball, limits, label);
}

function gunzip(
  buffer: Buffer,
  limits: PackageContentLimits,
  label: string,
): Buffer {
  // Inflating stops as soon as the output would exceed the cap, so a gzip
  // bomb costs at most the cap in memory.
  const byRatio = Math.max(
    limits.compressionRatioThresholdBytes,
    buffer.length * limits.maxCompressionRatio,
  );
  const cap = Math.min(limits.maxTotalUncompressedBytes, byRatio);
  try {
    return gunzipSync(buffer, { maxOutputLength: cap });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      const ratioBound = cap < limits.maxTotalUncompressedBytes;
      throw new PackageContentError({
        kind: 'limits',
        title: ratioBound
          ? 'Suspicious compression ratio'
          : 'Chart content too large',
        detail: ratioBound
          ? `${label} inflates beyond ${
              limits.maxCompressionRatio
            } times its size of ${formatBytes(
              buffer.length,
            )}; it looks like a decompression bomb.`
          : `${label} unpacks to more than ${formatBytes(
              limits.maxTotalUncompressedBytes,
            )}.`,
        cause: error,
      });
    }
    throw new PackageContentError({
      kind: 'archive',
      title: 'Corrupt gzip archive',
      detail: `${label} is truncated or corrupt and cannot be decompressed (${
        (error as Error).message
      }).`,
      cause: error,
    });
  }
}

function parseTar(
  tarball: Buffer,
  limits: PackageContentLimits,
  label: string,
): Map<string, Buffer> {
  const truncated = (why: string) =>
    new PackageContentError({
      kind: 'archive',
      title: 'Truncated tar archive',
      detail: `${label} is truncated or corrupt: ${why}.`,
    });
  // Every tar writer (helm, GNU tar, node-tar) pads to whole blocks and ends
  // with two zero blocks; without them the archive was cut short.
  if (tarball.length % BLOCK !== 0) {
    throw truncated('its length is not a multiple of 512 bytes');
  }
  if (
    tarball.length < 2 * BLOCK ||
    tarball.subarray(tarball.length - 2 * BLOCK).some(b => b !== 0)
  ) {
    throw truncated('the end-of-archive marker is missing');
  }

  const files = new Map<string, Buffer>();
  const seen = new Set<string>();
  let failure: Error | undefined;
  let entryCount = 0;
  let total = 0;
  const pending: { name: string; size: number; chunks: Buffer[] }[] = [];

  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      try {
        if (failure) {
          entry.resume();
          return;
        }
        entryCount += 1;
        if (entryCount > limits.maxEntries) {
          throw tooManyEntries(label, entryCount, limits);
        }
        const name = checkEntryName(entry.path, label);
        if (entry.type === 'Directory') {
          entry.resume();
          return;
        }
        if (!REGULAR.has(entry.type)) {
          throw new PackageContentError({
            kind: 'archive',
            title:
              entry.type === 'SymbolicLink' || entry.type === 'Link'
                ? 'Link in archive'
                : 'Special file in archive',
            detail: `${label}: "${name}" is a ${describeType(
              entry.type,
            )}; chart archives may contain only regular files and directories.`,
          });
        }
        checkUniqueEntry(seen, name, label);
        total += entry.size;
        // The gzip stream's own ratio was bounded while inflating.
        checkSizes({ name, size: entry.size }, total, undefined, label, limits);
        const item = { name, size: entry.size, chunks: [] as Buffer[] };
        pending.push(item);
        entry.on('data', (chunk: Buffer) => item.chunks.push(chunk));
      } catch (error) {
        failure ??= error as Error;
        entry.resume();
      }
    },
  });
  parser.on('warn', (_code: string, message: string | Error) => {
    failure ??= truncated(String(message));
  });
  parser.on('error', (error: Error) => {
    failure ??= truncated(error.message);
  });
  // The parser is synchronous when fed a whole buffer.
  parser.end(tarball);
  if (failure) throw failure;

  for (const item of pending) {
    const content = Buffer.concat(item.chunks);
    if (content.length !== item.size) {
      throw truncated(`"${item.name}" is incomplete`);
    }
    files.set(item.name, content);
  }
  return files;
}

function describeType(type: string): string {
  switch (type) {
    case 'SymbolicLink':
      return 'symbolic link';
    case 'Link':
      return 'hard link';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'device file';
    case 'FIFO':
      return 'named pipe';
    default:
      return `"${type}" entry`;
  }
}
