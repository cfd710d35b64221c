import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  mecPackageOnboardPermission,
  type AppPkgInfo,
} from '@helmmec/plugin-mec-common';
import Alert from '@mui/material/Alert';
import Stack from '@mui/material/Stack';
import { useState } from 'react';
import { mecApiRef } from '../../api/MecApi';
import { ConfirmDialog } from '../common/ConfirmDialog';
import { ErrorAlert } from '../common/ErrorAlert';
import { MecLayout } from '../common/MecLayout';
import { PermittedButton } from '../common/PermittedButton';
import { PageNav } from '../common/PageNav';
import { useDebouncedValue } from '../common/useDebouncedValue';
import { usePagedList } from '../common/usePagedList';
import {
  AppPackagesTable,
  PackageAction,
  PackageFilters,
  packageFilter,
} from './AppPackagesTable';
import { OnboardPackageDialog } from './OnboardPackageDialog';

/** Why ETSI MEC 010-2 refuses to delete this package, if it does. */
export function deleteRefusal(pkg: AppPkgInfo): string | undefined {
  if (pkg.onboardingState !== 'ONBOARDED') return undefined;
  if (pkg.operationalState !== 'DISABLED') {
    return `${pkg.appName} is ENABLED. A package can be deleted only when it is DISABLED and NOT_IN_USE: disable it first.`;
  }
  if (pkg.usageState !== 'NOT_IN_USE') {
    return `${pkg.appName} is IN_USE. A package can be deleted only when no application instance uses it: delete its instances first.`;
  }
  return undefined;
}

/** The MEC application packages known to the MEO, and onboarding. */
export function AppPackagesPage() {
  const mecApi = useApi(mecApiRef);
  const [filters, setFilters] = useState<PackageFilters>({
    search: '',
    provider: '',
    state: '',
  });
  const filter = packageFilter(useDebouncedValue(filters));
  const list = usePagedList(
    marker => mecApi.listAppPackagesPage({ filter, marker }),
    [mecApi, filter],
    {
      // Follow onboarding until it settles.
      shouldPoll: items =>
        items.some(
          p =>
            p.onboardingState === 'UPLOADING' ||
            p.onboardingState === 'PROCESSING',
        ),
    },
  );
  const { retry } = list;
  const [onboarding, setOnboarding] = useState(false);
  const [toDelete, setToDelete] = useState<AppPkgInfo>();
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();

  const act = async (pkg: AppPkgInfo, action: PackageAction) => {
    setNotice(undefined);
    setActionError(undefined);
    if (action === 'delete') {
      const refusal = deleteRefusal(pkg);
      if (refusal) setNotice(refusal);
      else setToDelete(pkg);
      return;
    }
    try {
      await mecApi.setAppPackageState(
        pkg.id,
        action === 'enable' ? 'ENABLED' : 'DISABLED',
      );
    } catch (e) {
      setActionError(e);
    }
    retry();
  };

  const remove = async (pkg: AppPkgInfo) => {
    try {
      await mecApi.deleteAppPackage(pkg.id);
    } catch (e) {
      setActionError(e);
    }
    retry();
  };

  let body;
  if (list.loading) {
    body = <Progress />;
  } else if (list.error && !list.items) {
    body = <ResponseErrorPanel error={list.error} />;
  } else if (!filter && list.pageIndex === 0 && !list.items?.length) {
    body = (
      <EmptyState
        missing="data"
        title="No MEC application packages yet"
        description="A MEC application package is a Helm chart plus its application descriptor (AppD). Onboard one with the button above: upload a package ZIP (the examples/packages folder of HelmMEC holds ready-made ones) or give a URL or OCI reference."
      />
    );
  } else {
    body = (
      <>
        {list.error && <ResponseErrorPanel error={list.error} />}
        <AppPackagesTable
          packages={list.items ?? []}
          filters={filters}
          onFiltersChange={setFilters}
          onAction={act}
          refreshing={list.refreshing}
          pageNav={
            <PageNav
              pageIndex={list.pageIndex}
              hasPrevious={list.hasPrevious}
              hasNext={list.hasNext}
              onPrevious={list.previous}
              onNext={list.next}
            />
          }
        />
      </>
    );
  }

  return (
    <MecLayout
      title="MEC application packages"
      subtitle="Helm charts with their ETSI MEC application descriptors, onboarded to the MEC Orchestrator"
    >
      <Stack direction="row" justifyContent="flex-end" sx={{ mb: 2 }}>
        <PermittedButton
          permission={mecPackageOnboardPermission}
          what="onboard packages"
          variant="contained"
          onClick={() => setOnboarding(true)}
        >
          Onboard package
        </PermittedButton>
      </Stack>
      {notice && (
        <Alert
          severity="info"
          onClose={() => setNotice(undefined)}
          sx={{ mb: 2 }}
        >
          {notice}
        </Alert>
      )}
      <ErrorAlert
        title="The MEO refused"
        error={actionError}
        onClose={() => setActionError(undefined)}
      />
      {body}
      <OnboardPackageDialog
        open={onboarding}
        onClose={() => setOnboarding(false)}
        onOnboarded={retry}
      />
      <ConfirmDialog
        open={!!toDelete}
        title="Delete package?"
        confirmLabel="Delete"
        onClose={() => setToDelete(undefined)}
        onConfirm={() => toDelete && remove(toDelete)}
      >
        {toDelete &&
          `${toDelete.appName} ${toDelete.appSoftwareVersion} and its content are removed from the MEO. This cannot be undone.`}
      </ConfirmDialog>
    </MecLayout>
  );
}
