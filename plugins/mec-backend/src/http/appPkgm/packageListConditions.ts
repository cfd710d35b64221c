import { AppPackageCondition, AppPackageField } from '../../packages/model';
import { AttributeFilter } from '../query/attributeFilter';
import { toStoreConditions } from '../query/storeConditions';

/** AppPkgInfo attributes that are package fields the database can compare. */
const FIELDS: Record<string, AppPackageField> = {
  id: 'id',
  appDId: 'appDId',
  appProvider: 'appProvider',
  appName: 'appName',
  appSoftwareVersion: 'appSoftwareVersion',
  appDVersion: 'appDVersion',
  onboardingState: 'onboardingState',
  operationalState: 'operationalState',
  usageState: 'usageState',
};

/**
 * The terms of an AppPkgInfo filter that the package store can apply, as
 * package conditions. They only narrow the list: the full filter is still
 * applied to the AppPkgInfo representations.
 */
export function toPackageListConditions(
  filter: AttributeFilter,
): AppPackageCondition[] {
  return toStoreConditions(filter, FIELDS);
}
