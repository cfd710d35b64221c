import { AppD } from '@helmmec/plugin-mec-common';
import { Document, isScalar, parseDocument, visit } from 'yaml';
import { formatBytes, PackageContentLimits } from './limits';
import { PackageContentError } from './PackageContentError';
import { validateAppD } from './validateAppD';

/** The AppD file as found in (or generated for) a package. */
export interface AppDFile {
  /** Path inside the archive it came from. */
  path: string;
  /** The file's text, as served by `GET …/appd` with `text/plain`. */
  text: string;
  mediaType: 'application/yaml' | 'application/json';
}

/** Parses and validates an AppD file (YAML, or JSON by its extension). */
export function parseAppDFile(
  path: string,
  content: Buffer,
  limits: PackageContentLimits,
): { appd: AppD; appdFile: AppDFile } {
  if (content.length > limits.maxAppDBytes) {
    throw new PackageContentError({
      kind: 'limits',
      title: 'AppD too large',
      detail: `The AppD "${path}" is ${formatBytes(
        content.length,
      )}; at most ${formatBytes(limits.maxAppDBytes)} is accepted.`,
    });
  }
  const text = decodeUtf8(content, path);
  const isJson = path.toLowerCase().endsWith('.json');
  const data = isJson ? parseJson(text, path) : parseYaml(text, path);
  return {
    appd: validateAppD(data, `The AppD "${path}"`),
    appdFile: {
      path,
      text,
      mediaType: isJson ? 'application/json' : 'application/yaml',
    },
  };
}

/** Decodes UTF-8 strictly, without a byte order mark. */
export function decodeUtf8(content: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      content,
    );
  } catch {
    throw new PackageContentError({
      kind: 'appd',
      title: 'Unreadable file',
      detail: `"${path}" is not valid UTF-8 text.`,
    });
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PackageContentError({
      kind: 'appd',
      title: 'Unparsable AppD',
      detail: `The AppD "${path}" is not valid JSON: ${
        (error as Error).message
      }.`,
    });
  }
}

/** Parses one YAML document; aliases are capped against "billion laughs". */
export function parseYaml(text: string, path: string): unknown {
  // The yaml library's own unique-key check compares every pair of keys of
  // a mapping: 45,000 keys (well within 1 MiB) took it half a minute. Keys
  // are checked below in one pass instead.
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const fail = (why: string) =>
    new PackageContentError({
      kind: 'appd',
      title: 'Unparsable YAML',
      detail: `"${path}" is not valid YAML: ${why}.`,
    });
  if (doc.errors.length > 0) {
    throw fail(doc.errors.map(e => e.message).join('; '));
  }
  const duplicate = findDuplicateKey(doc);
  if (duplicate !== undefined) {
    throw fail(
      `Map keys must be unique ("${duplicate.slice(0, 100)}" repeats)`,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw fail((error as Error).message);
  }
}

/** The first key that a mapping of `doc` has twice, compared as YAML does for scalars. */
function findDuplicateKey(doc: Document): string | undefined {
  let duplicate: string | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        // Scalars by value (1 and "1" differ); other keys by their text.
        const key = isScalar(pair.key)
          ? pair.key.value
          : `\u0000${String(pair.key)}`;
        if (seen.has(key)) {
          duplicate = String(key);
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return duplicate;
}
