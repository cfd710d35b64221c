import { InputError } from '@backstage/errors';
import {
  AttributeFilter,
  matchesAttributeFilter,
  parseAttributeFilter,
} from './attributeFilter';
import {
  AttributeSelectorQuery,
  createAttributeSelector,
} from './attributeSelector';

/** The query of a collection GET: a MEC 009 attribute filter and selector. */
export interface ListQuery {
  /** The parsed attribute filter, for narrowing in the store first. */
  filter: AttributeFilter;
  /** Whether a resource representation satisfies the filter. */
  matches(resource: object): boolean;
  /**
   * The resource without the attributes the selector drops. It keeps its
   * type: the dropped attributes are optional ones or ones the client
   * asked to go.
   */
  select<T extends object>(resource: T): T;
  /** The resources the filter matches, each selected. */
  apply<T extends object>(resources: T[]): T[];
}

/**
 * Parses and checks the `filter` and selector parameters of a collection
 * GET against the resource's top-level attributes.
 *
 * @throws InputError (HTTP 400) for an invalid filter or selector
 */
export function parseListQuery(
  query: AttributeSelectorQuery & { filter?: string },
  resource: {
    attributes: readonly string[];
    /** The complex attributes left out unless asked for. */
    defaultExcluded: readonly string[];
  },
): ListQuery {
  // The OpenAPI validation does not run for every route (HEAD reaches GET
  // handlers without it), and Express reads `?filter=a&filter=b` as an
  // array and `?fields[x]=y` as an object.
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && typeof value !== 'string') {
      throw new InputError(`Query parameter ${name} must be given once`);
    }
  }
  // nextpage_opaque_marker and API-specific parameters are not ours.
  const { filter, ...selectors } = query;
  const parsed = filter
    ? parseAttributeFilter(filter, resource.attributes)
    : [];
  const select = createAttributeSelector(selectors, resource);
  const matches = (representation: object) =>
    matchesAttributeFilter(parsed, representation);
  return {
    filter: parsed,
    matches,
    select,
    apply: resources => resources.filter(matches).map(select),
  };
}
