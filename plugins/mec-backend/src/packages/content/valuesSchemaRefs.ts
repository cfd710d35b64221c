import { PackageContentLimits } from './limits';
import { PackageContentError } from './PackageContentError';
import { readTarGzArchive } from './readTarGzArchive';

/**
 * Keywords whose value names another schema by URI. Helm (v3.18+, v4)
 * resolves them with loaders for `http://`, `https://` and `file://`, at
 * every install and upgrade, from the machine that runs helm: ours for the
 * helm driver, the edge cluster's helm-controller for the flux driver.
 */
const REFERENCE_KEYWORDS = ['$ref', '$dynamicRef', '$recursiveRef'];

/**
 * Meta-schemas the validator carries with it; any other `$schema` would be
 * fetched like a `$ref`.
 */
const BUILT_IN_META_SCHEMAS = new Set(
  [
    'json-schema.org/draft-04/schema',
    'json-schema.org/draft-06/schema',
    'json-schema.org/draft-07/schema',
    'json-schema.org/draft/2019-09/schema',
    'json-schema.org/draft/2020-12/schema',
  ].flatMap(name => [`http://${name}`, `https://${name}`]),
);

/** Subcharts nested in subcharts deeper than this are refused. */
const MAX_SUBCHART_DEPTH = 8;

// values.schema.json of the chart or of a subchart directory, as Helm loads
// them: <root>/values.schema.json, <root>/charts/<sub>/values.schema.json...
const SCHEMA_PATH = /^[^/]+(\/charts\/[^/]+)*\/values\.schema\.json$/;
// Subchart archives Helm loads from a charts/ directory.
const SUBCHART_ARCHIVE_PATH = /^[^/]+(\/charts\/[^/]+)*\/charts\/[^/]+\.tgz$/;

/**
 * Refuses a chart whose values schemas (its own and its subcharts', in
 * directories or in `.tgz` archives) would make Helm fetch anything: a
 * `$ref` that is not a local JSON pointer (`#...`), or a `$schema` other
 * than a standard meta-schema. Such a ref reaches whatever the chart names
 * (`http://169.254.169.254/...`, `file:///etc/...`) from inside our network
 * at install time, so the chart is refused at onboarding, with the file and
 * the ref named. Pure: it runs wherever the archive is parsed.
 *
 * @param files - the chart's files as `readTarGzArchive` returns them
 * @param label - how the chart is named in messages
 * @throws PackageContentError when a schema refers outside itself
 */
export function checkValuesSchemaRefs(
  files: ReadonlyMap<string, Buffer>,
  limits: PackageContentLimits,
  label: string,
  depth = 0,
): void {
  for (const [path, content] of files) {
    if (SCHEMA_PATH.test(path)) {
      checkSchema(content, `${label}: ${path}`);
    } else if (SUBCHART_ARCHIVE_PATH.test(path)) {
      const where = `${label}: ${path}`;
      if (depth >= MAX_SUBCHART_DEPTH) {
        throw new PackageContentError({
          kind: 'limits',
          title: 'Subcharts nested too deeply',
          detail: `${where} is a subchart archive nested more than ${MAX_SUBCHART_DEPTH} levels deep.`,
        });
      }
      checkValuesSchemaRefs(
        readTarGzArchive(content, limits, where),
        limits,
        where,
        depth + 1,
      );
    }
  }
}

function checkSchema(content: Buffer, where: string): void {
  let schema: unknown;
  try {
    schema = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw refused(
      'Invalid values schema',
      `${where} is not valid JSON (${
        (error as Error).message
      }); Helm could not validate values against it.`,
    );
  }
  // Iterative: a deeply nested schema must not overflow the stack.
  const pending: unknown[] = [schema];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...node);
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string') {
        if (REFERENCE_KEYWORDS.includes(key) && !value.startsWith('#')) {
          throw refused(
            'Values schema refers outside the chart',
            `${where} has "${key}": ${JSON.stringify(
              value,
            )}; Helm would fetch it at install time. Only local references ("#/definitions/...", "#/$defs/...") are accepted: copy the referenced schema into the file.`,
          );
        }
        if (
          key === '$schema' &&
          !BUILT_IN_META_SCHEMAS.has(value.replace(/#$/, ''))
        ) {
          throw refused(
            'Values schema refers outside the chart',
            `${where} has "$schema": ${JSON.stringify(
              value,
            )}, which is no standard JSON Schema meta-schema; Helm would fetch it at install time. Use e.g. "https://json-schema.org/draft-07/schema#" or leave it out.`,
          );
        }
      } else {
        // Every member, `default` and `enum` data too: under `properties`
        // those names are user keys whose values are schemas.
        pending.push(value);
      }
    }
  }
}

function refused(title: string, detail: string): PackageContentError {
  return new PackageContentError({ kind: 'structure', title, detail });
}
