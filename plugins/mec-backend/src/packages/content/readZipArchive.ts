import { crc32 } from 'node:zlib';
import * as yauzl from 'yauzl';
import { checkEntryName, checkUniqueEntry } from './checkEntryName';
import { checkArchiveSize, checkSizes, tooManyEntries } from './checkLimits';
import { formatBytes, PackageContentLimits } from './limits';
import { PackageContentError } from './PackageContentError';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
// "version made by" hosts whose external attributes carry a Unix mode.
const UNIX_HOSTS = new Set([3 /* Unix */, 19 /* OS X */]);

/**
 * Reads the regular files of a ZIP archive into memory, enforcing `limits`
 * and rejecting unsafe entries. Keys are normalised entry names.
 */
export async function readZipArchive(
  buffer: Buffer,
  limits: PackageContentLimits,
  label: string,
): Promise<Map<string, Buffer>> {
  checkArchiveSize(buffer, label, limits, 'Package too large');
  const signature = buffer.length >= 4 ? buffer.readUInt32LE(0) : 0;
  // A ZIP starts with a local file header, or is empty (end of central dir).
  if (signature !== 0x04034b50 && signature !== 0x06054b50) {
    throw new PackageContentError({
      kind: 'archive',
      title: 'Not a ZIP archive',
      detail: `${label} is not a ZIP archive (it does not start with a ZIP signature). A MEC application package must be a ZIP file.`,
    });
  }

  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await openZip(buffer);
  } catch (error) {
    throw corrupt(label, error);
  }
  if (zipfile.entryCount > limits.maxEntries) {
    zipfile.close();
    throw tooManyEntries(label, zipfile.entryCount, limits);
  }

  const files = new Map<string, Buffer>();
  const seen = new Set<string>();
  let declaredTotal = 0;
  try {
    for (;;) {
      const entry = await nextEntry(zipfile, label);
      if (!entry) break;
      const rawName = decodeName(entry);
      const name = checkEntryName(rawName, label);
      const isDirectory = rawName.endsWith('/');
      checkEntryKind(entry, rawName, isDirectory, label);
      checkUniqueEntry(seen, name, label);
      if (isDirectory) continue;

      declaredTotal += entry.uncompressedSize;
      checkSizes(
        {
          name,
          size: entry.uncompressedSize,
          compressedSize: entry.compressedSize,
        },
        declaredTotal,
        buffer.length,
        label,
        limits,
      );
      const content = await readEntry(zipfile, entry, name, label);
      if (crc32(content) >>> 0 !== entry.crc32 >>> 0) {
        throw new PackageContentError({
          kind: 'archive',
          title: 'Corrupt ZIP archive',
          detail: `${label}: the content of "${name}" does not match its CRC-32; the archive is corrupt.`,
        });
      }
      files.set(name, content);
    }
  } finally {
    zipfile.close();
  }
  return files;
}

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      buffer,
      {
        lazyEntries: true,
        // Names are decoded and checked by us, the same way as for tar.
        decodeStrings: false,
        validateEntrySizes: true,
      },
      (err, zipfile) => (err ? reject(err) : resolve(zipfile)),
    );
  });
}

function nextEntry(
  zipfile: yauzl.ZipFile,
  label: string,
): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    function onEntry(entry: yauzl.Entry) {
      cleanup();
      resolve(entry);
    }
    function onEnd() {
      cleanup();
      resolve(undefined);
    }
    function onError(error: Error) {
      cleanup();
      reject(error);
    }
    function cleanup() {
      zipfile.off('entry', onEntry);
      zipfile.off('end', onEnd);
      zipfile.off('error', onError);
    }
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  }).catch(error => {
    if (error instanceof PackageContentError) throw error;
    throw corrupt(label, error);
  }) as Promise<yauzl.Entry | undefined>;
}

function decodeName(entry: yauzl.Entry): string {
  return yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileNameRaw,
    entry.extraFields,
    // strict: keep backslashes so that checkEntryName rejects them
    true,
  );
}

function checkEntryKind(
  entry: yauzl.Entry,
  name: string,
  isDirectory: boolean,
  label: string,
) {
  if (entry.isEncrypted()) {
    throw new PackageContentError({
      kind: 'archive',
      title: 'Encrypted archive entry',
      detail: `${label}: "${name}" is encrypted; packages must not contain encrypted entries.`,
    });
  }
  if (
    !isDirectory &&
    entry.compressionMethod !== 0 &&
    entry.compressionMethod !== 8
  ) {
    throw new PackageContentError({
      kind: 'archive',
      title: 'Unsupported ZIP compression',
      detail: `${label}: "${name}" uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are supported.`,
    });
  }
  const host = entry.versionMadeBy >> 8;
  const mode = entry.externalFileAttributes >>> 16;
  if (!UNIX_HOSTS.has(host) || mode === 0) return;
  const type = mode & S_IFMT;
  if (type === S_IFLNK) {
    throw new PackageContentError({
      kind: 'archive',
      title: 'Symbolic link in archive',
      detail: `${label}: "${name}" is a symbolic link; packages may contain only regular files and directories.`,
    });
  }
  const expected = isDirectory ? S_IFDIR : S_IFREG;
  if (type !== 0 && type !== expected) {
    throw new PackageContentError({
      kind: 'archive',
      title: 'Special file in archive',
      detail: `${label}: "${name}" is not a regular file (mode ${mode.toString(
        8,
      )}); packages may contain only regular files and directories.`,
    });
  }
}

function readEntry(
  zipfile: yauzl.ZipFile,
  entry: yauzl.Entry,
  name: string,
  label: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStream(entry, (err, stream) => {
      if (err) {
        reject(corrupt(label, err));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      const tooLarge = () =>
        new PackageContentError({
          kind: 'limits',
          title: 'Archive entry larger than declared',
          detail: `${label}: "${name}" inflates beyond its declared size of ${formatBytes(
            entry.uncompressedSize,
          )}; the archive is corrupt or a decompression bomb.`,
        });
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // yauzl checks this too (validateEntrySizes); stop inflating at once.
        if (received > entry.uncompressedSize) {
          stream.destroy();
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', error =>
        reject(
          /too many bytes/i.test(error.message)
            ? tooLarge()
            : corrupt(label, error),
        ),
      );
      stream.on('end', () => resolve(Buffer.concat(chunks, received)));
    });
  });
}

function corrupt(label: string, error: unknown): PackageContentError {
  if (error instanceof PackageContentError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const truncated =
    /end of central directory|unexpected EOF|end of file|truncated|not enough|out of range|premature close/i.test(
      message,
    );
  return new PackageContentError({
    kind: 'archive',
    title: truncated ? 'Truncated ZIP archive' : 'Corrupt ZIP archive',
    detail: truncated
      ? `${label} is truncated or corrupt and cannot be read (${message}). Upload or reference the complete file.`
      : `${label} cannot be read: ${message}.`,
    cause: error,
  });
}
