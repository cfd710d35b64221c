export { catalogIndexPage } from './catalogIndexPage';
export { mecCatalogColumns } from './mecCatalogColumns';
