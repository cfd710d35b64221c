import { AppD } from '@helmmec/plugin-mec-common';
import { parseDocument } from 'yaml';
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
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const fail = (why: string) =>
    new PackageContentError({
      kind: 'appd',
      title: 'Unparsable YAML',
      detail: `"${path}" is not valid YAML: ${why}.`,
    });
  if (doc.errors.length > 0) {
    throw fail(doc.errors.map(e => e.message).join('; '));
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw fail((error as Error).message);
  }
}
