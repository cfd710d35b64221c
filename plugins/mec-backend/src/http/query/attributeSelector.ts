import { InputError } from '@backstage/errors';

/** The ETSI GS MEC 009 (clause 6.18) attribute selector query parameters. */
export interface AttributeSelectorQuery {
  all_fields?: string;
  fields?: string;
  exclude_fields?: string;
  exclude_default?: string;
}

/**
 * Decides which complex attributes of a resource a list response carries.
 * Without any selector, or with `exclude_default`, the resource's default
 * exclusions apply; `all_fields` keeps everything; `fields` adds attributes
 * back to the default set; `exclude_fields` removes the ones it names.
 *
 * Returns a function that strips the excluded top-level attributes.
 */
export function createAttributeSelector(
  query: AttributeSelectorQuery,
  options: {
    defaultExcluded: readonly string[];
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
      if (!options.attributes.includes(item.split('/')[0])) {
        throw new InputError(
          `Invalid attribute selector: unknown attribute '${item}' in ${name}`,
        );
      }
    }
    return items.map(item => item.split('/')[0]);
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
  let excluded: Set<string>;
  if (given.includes('all_fields')) {
    if (query.all_fields !== '' && query.all_fields !== 'true') {
      throw new InputError(
        'Invalid attribute selector: all_fields takes no value',
      );
    }
    excluded = new Set();
  } else if (given.includes('exclude_fields')) {
    excluded = new Set(parseList('exclude_fields', query.exclude_fields));
    if (given.includes('exclude_default')) {
      options.defaultExcluded.forEach(a => excluded.add(a));
    }
  } else {
    excluded = new Set(options.defaultExcluded);
    if (given.includes('fields')) {
      parseList('fields', query.fields).forEach(a => excluded.delete(a));
    }
  }
  return <T extends object>(resource: T): T => {
    if (excluded.size === 0) {
      return resource;
    }
    const copy = { ...resource } as Record<string, unknown>;
    for (const attribute of excluded) {
      delete copy[attribute];
    }
    return copy as T;
  };
}
