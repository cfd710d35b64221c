import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { Link } from 'react-router-dom';

/**
 * "View in catalog": a link to the catalog entity that the MEC entity
 * provider keeps for a package or an instance (namespace default, named by
 * the entity name functions of @helmmec/plugin-mec-common), through the
 * catalog's entity route wherever the app mounts it (the catalog's default
 * `/catalog/:namespace/:kind/:name` when it is not bound, as in unit tests).
 */
export function CatalogEntityLink(props: {
  kind: string;
  name: string;
  /** What the link leads to, for screen readers. */
  what: string;
}) {
  // This hook, unlike catalog-react's useEntityRefLink, does not throw
  // where the catalog route is not bound.
  const entityRoute = useRouteRef(entityRouteRef);
  const params = entityRouteParams(
    { kind: props.kind, namespace: 'default', name: props.name },
    { encodeParams: true },
  );
  const to =
    entityRoute?.(params) ??
    `/catalog/${params.namespace}/${params.kind}/${params.name}`;
  return (
    <Link to={to} aria-label={`View ${props.what} in the catalog`}>
      View in catalog
    </Link>
  );
}
