import { Request } from 'express';
import { parse, stringify } from 'yaml';
import { APPD_ATTRIBUTES } from '../../packages/content';
import { parseListQuery } from '../query/listQuery';

/**
 * Complex attributes of the AppD that `exclude_default` leaves out
 * (7.3.6.3.2, query parameters of GET …/appd).
 */
export const APPD_DEFAULT_EXCLUDED = [
  'virtualComputeDescriptor',
  'swImageDescriptor',
  'virtualStorageDescriptor',
  'appExtCpd',
  'terminateAppInstanceOpConfig',
  'changeAppInstanceStateOpConfig',
];

const SELECTORS = ['all_fields', 'fields', 'exclude_fields', 'exclude_default'];

/** An AppD file as served: its name (for the ZIP) and its text. */
export interface AppDFileText {
  fileName: string;
  text: string;
}

/**
 * Applies the `filter` and attribute selectors of `GET …/appd` to the
 * onboarded AppD file: undefined when the AppD does not match the filter,
 * else the file, with the selected attributes only when a selector is
 * given, written in the file's own format (JSON or YAML).
 *
 * Without any selector the file is returned as onboarded: the 200 response
 * "shall contain a copy of the file representing the AppD". (exclude_default's
 * text, copied from the AppPkgInfo lists, also names the case of no
 * parameter; HelmMEC reads the response clause as the governing one.)
 *
 * @throws InputError (HTTP 400) for an invalid filter or selector
 */
export function selectAppD(
  file: AppDFileText,
  query: Request['query'],
): AppDFileText | undefined {
  const list = parseListQuery(query as Record<string, string>, {
    attributes: APPD_ATTRIBUTES,
    defaultExcluded: APPD_DEFAULT_EXCLUDED,
  });
  const selecting = SELECTORS.some(name => query[name] !== undefined);
  if (query.filter === undefined && !selecting) {
    return file;
  }
  const isJson = file.fileName.toLowerCase().endsWith('.json');
  // Onboarding validated this file, so it parses.
  const appd = (isJson ? JSON.parse(file.text) : parse(file.text)) as object;
  if (!list.matches(appd)) {
    return undefined;
  }
  if (!selecting) {
    return file;
  }
  const selected = list.select(appd);
  return {
    fileName: file.fileName,
    text: isJson
      ? `${JSON.stringify(selected, null, 2)}\n`
      : stringify(selected),
  };
}
