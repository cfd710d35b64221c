import { InputError } from '@backstage/errors';
import {
  PlaceholderResolver,
  PlaceholderResolverParams,
  processingResult,
} from '@backstage/plugin-catalog-node';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

/** Query and fragment do not tell repositories apart. */
const withoutQuery = (url: string) => url.replace(/[?#].*$/, '');

/**
 * Reads a `$text` placeholder's target next to the entity's location.
 *
 * Backstage's own `$text` resolver only understands URL locations: for a
 * `file` location (our catalog-info.yaml in development) it cannot form a URL
 * and the entity is never ingested. This one reads a relative path of a file
 * location from disk, kept inside the location's folder, as the stock one
 * keeps URL placeholders inside the location's repository; URL locations get
 * the stock behaviour.
 */
export const textPlaceholderResolver: PlaceholderResolver = async params => {
  const { key, value, baseUrl } = params;
  if (typeof value !== 'string') {
    throw new InputError(
      `Placeholder $${key} expected a string value parameter, in the form of an absolute URL or a relative path`,
    );
  }
  if (isAbsolute(baseUrl)) {
    return readBesideFile(key, value, baseUrl);
  }
  return readBesideUrl(params, value);
};

async function readBesideFile(key: string, value: string, baseFile: string) {
  const folder = dirname(baseFile);
  const target = resolve(folder, value);
  const inside = relative(folder, target);
  if (isAbsolute(value) || inside.startsWith('..') || isAbsolute(inside)) {
    throw new InputError(
      `Placeholder $${key} may only read files below the folder of ${baseFile}, not ${value}`,
    );
  }
  try {
    return await readFile(target, 'utf8');
  } catch (e) {
    throw new InputError(
      `Placeholder $${key} could not read ${value} beside ${baseFile}, ${e}`,
    );
  }
}

async function readBesideUrl(params: PlaceholderResolverParams, value: string) {
  const { key, baseUrl, read, resolveUrl, emit } = params;
  let url: string;
  try {
    url = resolveUrl(value, baseUrl);
  } catch (e) {
    throw new InputError(
      `Placeholder $${key} could not form a URL out of ${baseUrl} and ${value}, ${e}`,
    );
  }
  // The repository's root, as the integration resolves a root-relative path.
  const root = withoutQuery(resolveUrl('/', baseUrl));
  if (!withoutQuery(url).startsWith(root)) {
    throw new InputError(
      `Placeholder $${key} may only reference files from the same repository as the entity`,
    );
  }
  let content: string;
  try {
    content = (await read(url)).toString('utf-8');
  } catch (e) {
    throw new InputError(
      `Placeholder $${key} could not read location ${value}, ${e}`,
    );
  }
  emit(processingResult.refresh(`url:${url}`));
  return content;
}
