import { AppPackageCondition, AppPackageField } from '../../packages/model';
import { AttributeFilter, FilterTerm } from '../query/attributeFilter';

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

// Ordering operators are left out: their order depends on the database's
// collation, while the filter compares as JavaScript does.
const OPS: Partial<Record<FilterTerm['op'], AppPackageCondition['op']>> = {
  eq: 'in',
  in: 'in',
  neq: 'notIn',
  nin: 'notIn',
  cont: 'contains',
};

/**
 * The terms of an AppPkgInfo filter that the package store can apply, as
 * package conditions. They only narrow the list: the full filter is still
 * applied to the AppPkgInfo representations.
 */
export function toPackageListConditions(
  filter: AttributeFilter,
): AppPackageCondition[] {
  const conditions: AppPackageCondition[] = [];
  for (const term of filter) {
    const field =
      term.path.length === 1 && Object.hasOwn(FIELDS, term.path[0])
        ? FIELDS[term.path[0]]
        : undefined;
    const op = OPS[term.op];
    if (field && op) {
      conditions.push({ field, op, values: term.values });
    }
  }
  return conditions;
}
