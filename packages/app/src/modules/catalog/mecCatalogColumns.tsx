import { TableColumn } from '@backstage/core-components';
import {
  CatalogTable,
  CatalogTableColumnsFunc,
  CatalogTableRow,
} from '@backstage/plugin-catalog';
import {
  MEC_APP_INSTANCE_KIND,
  MEC_APP_PACKAGE_KIND,
} from '@helmmec/plugin-mec-common';

const columns = CatalogTable.columns;

/** A column showing one spec field as text. */
function specColumn(
  title: string,
  field: string,
  options: { render?: (value: string) => string } = {},
): TableColumn<CatalogTableRow> {
  const read = (row: CatalogTableRow) => {
    const value = row.entity.spec?.[field];
    if (typeof value !== 'string' || !value) return '';
    return options.render ? options.render(value) : value;
  };
  return {
    title,
    field: `entity.spec.${field}`,
    render: row => read(row),
    customSort: (a, b) => read(a).localeCompare(read(b)),
    customFilterAndSearch: (query, row) =>
      read(row)
        .toLocaleLowerCase('en-US')
        .includes(query.toLocaleLowerCase('en-US')),
  };
}

/** `resource:default/edge-1` shows as `edge-1`. */
const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

/**
 * The instance's state as ETSI words it: INSTANTIATED instances also have an
 * operational state (STARTED or STOPPED).
 */
function instanceStateColumn(): TableColumn<CatalogTableRow> {
  const read = (row: CatalogTableRow) =>
    [row.entity.spec?.instantiationState, row.entity.spec?.operationalState]
      .filter(s => typeof s === 'string' && s)
      .join(' · ');
  return {
    title: 'State',
    field: 'entity.spec.instantiationState',
    render: row => read(row),
    customSort: (a, b) => read(a).localeCompare(read(b)),
  };
}

/**
 * Columns of the catalog index for the MEC kinds: what their spec says
 * (provider, version, state, edge host) instead of System, Type and
 * Lifecycle, which they have not. Other kinds keep Backstage's columns.
 */
export const mecCatalogColumns: CatalogTableColumnsFunc = context => {
  const kind = (
    context.entities[0]?.kind ??
    context.filters.kind?.value ??
    ''
  ).toLocaleLowerCase('en-US');
  const name = columns.createNameColumn({ defaultKind: kind });
  if (kind === MEC_APP_PACKAGE_KIND.toLocaleLowerCase('en-US')) {
    return [
      columns.createTitleColumn({ hidden: true }),
      name,
      specColumn('Application', 'appName'),
      specColumn('Provider', 'appProvider'),
      specColumn('Version', 'appSoftwareVersion'),
      specColumn('Onboarding', 'onboardingState'),
      specColumn('State', 'operationalState'),
      columns.createOwnerColumn(),
    ];
  }
  if (kind === MEC_APP_INSTANCE_KIND.toLocaleLowerCase('en-US')) {
    return [
      columns.createTitleColumn({ hidden: true }),
      name,
      specColumn('Package', 'package', { render: refName }),
      instanceStateColumn(),
      specColumn('Edge host', 'host', { render: refName }),
      specColumn('Namespace', 'namespace'),
      columns.createOwnerColumn(),
    ];
  }
  return CatalogTable.defaultColumnsFunc(context);
};
