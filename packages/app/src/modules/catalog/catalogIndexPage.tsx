import { coreExtensionData } from '@backstage/frontend-plugin-api';
import catalogPlugin, {
  CatalogIndexPage,
} from '@backstage/plugin-catalog/alpha';
import { mecCatalogColumns } from './mecCatalogColumns';

/**
 * The catalog index page with columns that fit the MEC kinds. The page
 * extension has no option for columns, so this override renders the same
 * page component with them, keeping the page's filters, pagination and
 * export button settings (not extension-provided exporters; we have none).
 */
export const catalogIndexPage = catalogPlugin
  .getExtension('page:catalog')
  .override({
    factory(originalFactory, { inputs, config }) {
      const filters = inputs.filters.map(filter =>
        filter.get(coreExtensionData.reactElement),
      );
      return originalFactory({
        params: {
          loader: async () => (
            <CatalogIndexPage
              filters={<>{filters}</>}
              pagination={config.pagination}
              exportSettings={
                config.exportSettings?.enabled
                  ? config.exportSettings
                  : undefined
              }
              columns={mecCatalogColumns}
            />
          ),
        },
      });
    },
  });
