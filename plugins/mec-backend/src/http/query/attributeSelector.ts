import { InputError } from '@backstage/errors';

/** The ETSI GS MEC 009 (clause 6.18) attribute selector query parameters. */
export interface AttributeSelectorQuery {
  all_fields?: string;
  fields?: string;
  exclude_fields?: string;
  exclude_default?: string;
}

/**
 * Decides which complex attributes of a resource a response carries.
 * Without any selector, or with `exclude_default`, the resource's default
 * exclusions apply; `all_fields` keeps everything; `fields` adds attributes
 * back to the default set; `exclude_fields` removes the ones it names.
 *
 * Attributes are named by path (`_links/instantiate`): a default exclusion
 * or `exclude_fields` entry removes just that attribute, in every element
 * of the arrays on its way; `fields` brings back what it names, and an
 * excluded attribute whole when it names something inside it.
 *
 * Returns a function that strips the excluded attributes from a copy.
 */
export function createAttributeSelector(
  query: AttributeSelectorQuery,
  options: {
    /** Paths of the complex attributes left out unless asked for. */
    defaultExcluded: readonly string[];
    /** Top-level attribute names of the resource. */
    attributes: readonly string[];
  },
): <T extends object>(resource: T) => T {
  const given = (
    ['all_fields', 'fields', 'exclude_fields', 'exclude_default'] as const
  ).filter(k => query[k] !== undefined);
  const parseList = (name: string, value?: string): string[] => {
    const items = (value ?? '').split(',').map(s => s.trim());
    if (items.some(s => !s)) {
      throw new InputError(
        `Invalid attribute selector: ${name} must list attribute names`,
      );
    }
    for (const item of items) {
      const path = item.split('/');
      if (
        !options.attributes.includes(path[0]) ||
        path.some(p => !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(p))
      ) {
        throw new InputError(
          `Invalid attribute selector: unknown attribute '${item}' in ${name}`,
        );
      }
    }
    return items;
  };
  if (given.includes('all_fields') && given.length > 1) {
    throw new InputError(
      'Invalid attribute selector: all_fields cannot be combined with fields, exclude_fields or exclude_default',
    );
  }
  if (given.includes('fields') && given.includes('exclude_fields')) {
    throw new InputError(
      'Invalid attribute selector: fields and exclude_fields cannot be combined',
    );
  }
  let excluded: string[];
  if (given.includes('all_fields')) {
    if (query.all_fields !== '' && query.all_fields !== 'true') {
      throw new InputError(
        'Invalid attribute selector: all_fields takes no value',
      );
    }
    excluded = [];
  } else if (given.includes('exclude_fields')) {
    excluded = parseList('exclude_fields', query.exclude_fields);
    if (given.includes('exclude_default')) {
      excluded.push(...options.defaultExcluded);
    }
  } else {
    excluded = [...options.defaultExcluded];
    if (given.includes('fields')) {
      const fields = parseList('fields', query.fields);
      const within = (path: string, ancestor: string) =>
        path === ancestor || path.startsWith(`${ancestor}/`);
      excluded = excluded.filter(
        path =>
          !fields.some(field => within(path, field) || within(field, path)),
      );
    }
  }
  const paths = [...new Set(excluded)].map(path => path.split('/'));
  return <T extends object>(resource: T): T => {
    let copy: unknown = resource;
    for (const path of paths) {
      copy = withoutPath(copy, path);
    }
    return copy as T;
  };
}

/** A copy of `value` without the attribute at `path`; untouched parts are shared. */
function withoutPath(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) {
    return value.map(element => withoutPath(element, path));
  }
  if (!value || typeof value !== 'object' || !(path[0] in value)) {
    return value;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (path.length === 1) {
    delete copy[path[0]];
  } else {
    copy[path[0]] = withoutPath(copy[path[0]], path.slice(1));
  }
  return copy;
}
