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
  /**
   * The resources the filter matches, without the attributes the selector
   * drops. They keep their type: the dropped attributes are optional ones
   * or ones the client asked to go.
   */
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
  const { filter, ...selectors } = query;
  const parsed = filter
    ? parseAttributeFilter(filter, resource.attributes)
    : [];
  const select = createAttributeSelector(selectors, resource);
  return {
    filter: parsed,
    apply: resources =>
      resources.filter(r => matchesAttributeFilter(parsed, r)).map(select),
  };
}
