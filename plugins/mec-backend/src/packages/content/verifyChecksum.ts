import { createHash } from 'node:crypto';
import type { Checksum } from '../model';
import { PackageContentError } from './PackageContentError';

// ETSI (NFV-SOL 004) spells them "SHA-256"; clients also send "sha256".
const ALGORITHMS: Record<string, { node: string; hexLength: number }> = {
  SHA256: { node: 'sha256', hexLength: 64 },
  SHA384: { node: 'sha384', hexLength: 96 },
  SHA512: { node: 'sha512', hexLength: 128 },
};

/** The canonical ETSI spelling ("SHA-256") of an algorithm name, if known. */
export function normaliseChecksumAlgorithm(
  algorithm: string,
): 'SHA-256' | 'SHA-384' | 'SHA-512' | undefined {
  const key = algorithm.replace(/[-_\s]/g, '').toUpperCase();
  if (!ALGORITHMS[key]) return undefined;
  return `SHA-${key.slice(3)}` as 'SHA-256' | 'SHA-384' | 'SHA-512';
}

/** A hash for an ETSI checksum algorithm name. */
function createChecksumHash(algorithm: string) {
  const canonical = normaliseChecksumAlgorithm(algorithm);
  if (!canonical) {
    throw unsupportedAlgorithm(algorithm);
  }
  return createHash(ALGORITHMS[canonical.replace('-', '')].node);
}

/** Hex digest of `content` with an ETSI checksum algorithm name. */
export function computeChecksum(content: Buffer, algorithm: string): string {
  return createChecksumHash(algorithm).update(content).digest('hex');
}

// Hashing 1 MiB takes a few milliseconds; other requests run in between.
const HASH_CHUNK_BYTES = 1024 * 1024;

/**
 * {@link computeChecksum} for content that may be large: hashes it in
 * chunks and yields to the event loop between them.
 */
export async function computeChecksumInChunks(
  content: Buffer,
  algorithm: string,
): Promise<string> {
  const hash = createChecksumHash(algorithm);
  for (let start = 0; start < content.length; start += HASH_CHUNK_BYTES) {
    if (start > 0) await new Promise(setImmediate);
    hash.update(content.subarray(start, start + HASH_CHUNK_BYTES));
  }
  return hash.digest('hex');
}

/**
 * Checks `content` against a declared ETSI `Checksum` (SHA-256, SHA-384 or
 * SHA-512; hex compared case-insensitively).
 *
 * @throws PackageContentError of kind `checksum` on an unknown algorithm, a
 *   malformed hash or a mismatch.
 */
export async function verifyChecksum(
  content: Buffer,
  checksum: Checksum,
): Promise<void> {
  const canonical = normaliseChecksumAlgorithm(checksum.algorithm);
  if (!canonical) {
    throw unsupportedAlgorithm(checksum.algorithm);
  }
  const { hexLength } = ALGORITHMS[canonical.replace('-', '')];
  const declared = checksum.hash.trim().toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${hexLength}}$`).test(declared)) {
    throw new PackageContentError({
      kind: 'checksum',
      title: 'Invalid checksum',
      detail: `The declared ${canonical} hash "${checksum.hash}" is not ${hexLength} hexadecimal characters.`,
    });
  }
  // A package may be tens of MiB: hash it without holding the event loop.
  const actual = await computeChecksumInChunks(content, canonical);
  if (actual !== declared) {
    throw new PackageContentError({
      kind: 'checksum',
      title: 'Checksum mismatch',
      detail: `The package content (${content.length} bytes) has ${canonical} ${actual}, but the declared checksum is ${declared}. The package may be corrupt, incomplete or not the one intended.`,
    });
  }
}

function unsupportedAlgorithm(algorithm: string) {
  return new PackageContentError({
    kind: 'checksum',
    title: 'Unsupported checksum algorithm',
    detail: `Checksum algorithm "${algorithm}" is not supported; use SHA-256, SHA-384 or SHA-512.`,
  });
}
