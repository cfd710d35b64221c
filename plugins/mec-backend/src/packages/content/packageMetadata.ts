import { PackageContentError } from './PackageContentError';
import {
  computeChecksumInChunks,
  normaliseChecksumAlgorithm,
} from './verifyChecksum';

/**
 * Parses `TOSCA-Metadata/TOSCA.meta` (TOSCA CSAR block 0 as profiled by
 * ETSI GS NFV-SOL 004): `Key: value` lines; a line starting with a space
 * continues the previous value. Repeated keys collect all their values.
 */
export function parseToscaMeta(text: string): Map<string, string[]> {
  const meta = new Map<string, string[]>();
  let last: { key: string; index: number } | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      // Blocks after the first one describe other artifacts; we use block 0.
      if (meta.size > 0) break;
      continue;
    }
    if (/^\s/.test(line) && last) {
      const values = meta.get(last.key)!;
      values[last.index] = `${values[last.index]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const values = meta.get(key) ?? [];
    values.push(value);
    meta.set(key, values);
    last = { key, index: values.length - 1 };
  }
  return meta;
}

/** A file the package manifest lists with its digest. */
export interface ManifestEntry {
  source: string;
  algorithm?: string;
  hash?: string;
}

/**
 * Reads the `Source:` / `Algorithm:` / `Hash:` entries of an ETSI package
 * manifest (`.mf`, NFV-SOL 004 clause 4.3.2). The metadata block and any
 * signature are not interpreted here.
 */
export function parseManifest(text: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('-----BEGIN')) break;
    const match = /^\s*(Source|Algorithm|Hash)\s*:\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const [, key, value] = match;
    if (key === 'Source') entries.push({ source: value });
    else if (entries.length > 0) {
      entries[entries.length - 1][key === 'Hash' ? 'hash' : 'algorithm'] =
        value;
    }
  }
  return entries;
}

/**
 * Verifies the digests the manifest lists (ETSI AppPkt.005): every local
 * source must exist in the package, be listed once, and match. Every
 * listed file is checked before anything is hashed, and each is hashed
 * once per algorithm, in chunks, so a hostile manifest cannot hold the
 * event loop. Returns the verified paths.
 */
export async function verifyManifest(
  manifestPath: string,
  text: string,
  files: Map<string, Buffer>,
): Promise<string[]> {
  const structure = (detail: string) =>
    new PackageContentError({
      kind: 'structure',
      title: 'Invalid manifest',
      detail,
    });
  // Remote sources (images in a registry) are not part of the archive.
  const local = parseManifest(text).filter(
    entry => !/^[a-z][a-z0-9+.-]*:\/\//i.test(entry.source),
  );
  if (local.length > files.size) {
    throw structure(
      `The manifest "${manifestPath}" lists ${local.length} files, but the package has only ${files.size}.`,
    );
  }

  const listed = new Set<string>();
  const toHash: { entry: ManifestEntry; path: string; algorithm: string }[] =
    [];
  for (const entry of local) {
    const path = entry.source.replace(/^\.\//, '');
    if (listed.has(path)) {
      throw structure(
        `The manifest "${manifestPath}" lists "${entry.source}" more than once; each file must be listed once.`,
      );
    }
    listed.add(path);
    if (!files.has(path)) {
      throw new PackageContentError({
        kind: 'structure',
        title: 'Incomplete package',
        detail: `The manifest "${manifestPath}" lists "${entry.source}", which is not in the package.`,
      });
    }
    if (!entry.hash || !entry.algorithm) continue;
    const algorithm = normaliseChecksumAlgorithm(entry.algorithm);
    if (!algorithm) {
      throw new PackageContentError({
        kind: 'checksum',
        title: 'Unsupported checksum algorithm',
        detail: `The manifest "${manifestPath}" uses algorithm "${entry.algorithm}" for "${entry.source}"; use SHA-256, SHA-384 or SHA-512.`,
      });
    }
    toHash.push({ entry, path, algorithm });
  }

  const digests = new Map<string, string>();
  const verified: string[] = [];
  for (const { entry, path, algorithm } of toHash) {
    const key = `${algorithm}\0${path}`;
    let actual = digests.get(key);
    if (actual === undefined) {
      actual = await computeChecksumInChunks(files.get(path)!, algorithm);
      digests.set(key, actual);
      // Between entries too: a manifest of many small files yields as well.
      await new Promise(setImmediate);
    }
    if (actual !== entry.hash!.trim().toLowerCase()) {
      throw new PackageContentError({
        kind: 'checksum',
        title: 'Manifest digest mismatch',
        detail: `"${entry.source}" has ${algorithm} ${actual}, but the manifest "${manifestPath}" declares ${entry.hash}; the package was modified after it was built.`,
      });
    }
    verified.push(path);
  }
  return verified;
}
