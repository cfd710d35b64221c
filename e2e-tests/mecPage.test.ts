import path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import { shot, sidebar, signInAsGuest } from './portal';

const examplePackage = path.join(
  __dirname,
  '..',
  'examples',
  'packages',
  'video-analytics.zip',
);

// Wide enough for the tables, so full-page screenshots need no resize.
test.use({ viewport: { width: 1440, height: 900 } });

/**
 * Waits for the catalog page of a mirrored entity. The mirror is announced
 * at once, but the catalog processes entities on its own loop and its pages
 * do not refresh by themselves.
 */
async function expectEntityPage(page: Page, kind: string) {
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(kind, { exact: true }).first()).toBeVisible({
      timeout: 3_000,
    });
  }).toPass({ timeout: 90_000 });
}

test('the MEC sidebar item opens the packages page with its empty state', async ({
  page,
}) => {
  await page.goto('/');
  await signInAsGuest(page);

  await sidebar(page).getByRole('link', { name: 'MEC', exact: true }).click();
  await expect(page).toHaveURL(/\/mec$/);
  await expect(
    page.getByRole('heading', {
      name: 'MEC application packages',
      exact: true,
    }),
  ).toBeVisible();
  await expect(page.getByText('No MEC application packages yet')).toBeVisible();
  await shot(page, 'mec-packages-empty');
});

test('the ETSI API answers a bearer-token client and refuses others', async ({
  request,
}) => {
  const url = `${
    process.env.E2E_BACKEND_URL ?? 'http://localhost:7007'
  }/api/mec/app_pkgm/v1/app_packages`;
  const ok = await request.get(url, {
    headers: {
      Authorization: `Bearer ${
        process.env.E2E_MEC_API_TOKEN ?? 'helmmec-dev-token'
      }`,
    },
  });
  expect(ok.status()).toBe(200);
  expect(await ok.json()).toEqual([]);

  const refused = await request.get(url);
  expect(refused.status()).toBe(401);
  expect(refused.headers()['content-type']).toMatch(
    /^application\/problem\+json/,
  );
});

// Runs after the empty-state tests above: it onboards the first package.
test('onboard by upload, disable and enable, instantiate on the edge cluster, stop, start, terminate', async ({
  page,
}) => {
  await page.goto('/');
  await signInAsGuest(page);
  await sidebar(page).getByRole('link', { name: 'MEC', exact: true }).click();

  // The dialog opens and closes from the keyboard. The button is disabled
  // until the permission check answers, and a disabled button takes no focus.
  const onboardButton = page.getByRole('button', { name: 'Onboard package' });
  await expect(onboardButton).toBeEnabled();
  await onboardButton.focus();
  await page.keyboard.press('Enter');
  await expect(
    page.getByRole('dialog', { name: 'Onboard package' }),
  ).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(
    page.getByRole('dialog', { name: 'Onboard package' }),
  ).toBeHidden();

  // Onboard by upload; the browser computes the SHA-256.
  await page.getByRole('button', { name: 'Onboard package' }).click();
  const onboard = page.getByRole('dialog', { name: 'Onboard package' });
  await onboard.locator('input[type=file]').setInputFiles(examplePackage);
  await expect(onboard.getByLabel('Package name')).toHaveValue(
    'video-analytics',
  );
  await shot(page, 'mec-onboard-dialog');
  await onboard.getByRole('button', { name: 'Onboard' }).click();
  await expect(onboard).toBeHidden();

  const row = page.getByRole('row', { name: /video-analytics/ });
  await expect(row.getByText('ONBOARDED', { exact: true })).toBeVisible();
  await expect(row.getByText('ENABLED', { exact: true })).toBeVisible();

  // The spec's delete rule is explained rather than attempted.
  await row.getByRole('button', { name: 'Delete video-analytics' }).click();
  await expect(
    page.getByText(/only when it is DISABLED and NOT_IN_USE/),
  ).toBeVisible();

  await row.getByRole('button', { name: 'Disable video-analytics' }).click();
  await expect(row.getByText('DISABLED', { exact: true })).toBeVisible();
  await row.getByRole('button', { name: 'Enable video-analytics' }).click();
  await expect(row.getByText('ENABLED', { exact: true })).toBeVisible();
  await shot(page, 'mec-packages');

  // The package page shows its AppD.
  await row.getByRole('link', { name: 'video-analytics' }).click();
  await expect(page.getByRole('heading', { name: 'Services' })).toBeVisible();
  await expect(page.getByText('location-service 1.3')).toBeVisible();
  await expect(page.getByText('Maximum latency: 20 ms')).toBeVisible();
  await shot(page, 'mec-package');

  // The package in the software catalog, as a MecAppPackage entity.
  const packageUrl = page.url();
  await page.getByRole('link', { name: /in the catalog/ }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/mecapppackage\/video-analytics-[\w-]+$/,
  );
  await expectEntityPage(page, 'MecAppPackage');
  await shot(page, 'catalog-package');
  await page.goto(packageUrl);

  // Create an instance, then instantiate it.
  await page.getByRole('tab', { name: 'Instances' }).click();
  await expect(page).toHaveURL(/\/mec\/instances$/);
  await expect(page.getByText('No application instances yet')).toBeVisible();
  await page.getByRole('button', { name: 'Create instance' }).click();
  const create = page.getByRole('dialog', { name: 'Create instance' });
  await expect(create.getByRole('combobox', { name: /Package/ })).toContainText(
    'video-analytics',
  );
  await create.getByLabel('Instance name (optional)').fill('va-e2e');
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/mec\/instances\/[0-9a-f-]+$/);
  await expect(page.getByRole('heading', { name: 'va-e2e' })).toBeVisible();
  await expect(page.getByText('NOT_INSTANTIATED')).toBeVisible();

  await page.getByRole('button', { name: 'Instantiate' }).click();
  const instantiate = page.getByRole('dialog', { name: 'Instantiate' });
  await expect(
    instantiate.getByRole('combobox', { name: /Edge host/ }),
  ).toContainText('Let the MEO choose');
  // Helm values are validated before submit.
  await instantiate.getByLabel('Helm values (JSON, optional)').fill('{oops');
  await expect(instantiate.getByText(/Not valid JSON/)).toBeVisible();
  await instantiate
    .getByLabel('Helm values (JSON, optional)')
    .fill('{"replicaCount": 1}');
  await shot(page, 'mec-instantiate-dialog');
  await instantiate.getByRole('button', { name: 'Instantiate' }).click();
  await expect(instantiate).toBeHidden();

  // `npm test` registers a real local edge cluster: the MEO places the
  // instance there and the operation completes; then stop, start, terminate.
  const latest = page.getByRole('region', { name: 'Latest operation' });
  await expect(latest.getByText('COMPLETED')).toBeVisible({ timeout: 90_000 });
  await shot(page, 'mec-instance');

  // The instance in the software catalog, with its pods on the stock
  // Kubernetes plugin's tab, read through the mec plugin's proxy.
  const instanceUrl = page.url();
  await page.getByRole('link', { name: /in the catalog/ }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/mecappinstance\/va-e2e-[0-9a-f]{8}$/,
  );
  await expectEntityPage(page, 'MecAppInstance');
  // Its Kubernetes annotations arrive with the instantiation's release.
  const kubernetesTab = page.getByRole('link', {
    name: 'Kubernetes',
    exact: true,
  });
  await expect(async () => {
    await page.reload();
    await expect(kubernetesTab).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 90_000 });
  await shot(page, 'catalog-instance');
  await kubernetesTab.click();
  await expect(page.getByText('Your Clusters')).toBeVisible();
  const clusterCard = page.getByRole('button', { name: /Local edge cluster/ });
  await expect(clusterCard).toContainText(/[1-9]\d* pods?/);
  await expect(clusterCard).toContainText('No pods with errors');
  await clusterCard.click();
  await expect(page.getByText(/video-analytics/).first()).toBeVisible();
  await shot(page, 'catalog-instance-kubernetes');
  await page.goto(instanceUrl);
  await expect(latest.getByText('COMPLETED')).toBeVisible();
  // Each action waits for the instance's new state, not for a COMPLETED
  // chip that the previous operation may still show.
  const inProgress = page.getByLabel('Operation in progress');
  const button = (name: string) =>
    page.getByRole('button', { name, exact: true });
  await button('Stop').click();
  await expect(button('Start')).toBeVisible({ timeout: 90_000 });
  await expect(inProgress).toBeHidden({ timeout: 90_000 });
  await expect(page.getByText('STOPPED').first()).toBeVisible();
  await button('Start').click();
  await expect(button('Stop')).toBeVisible({ timeout: 90_000 });
  await expect(inProgress).toBeHidden({ timeout: 90_000 });
  await button('Terminate').click();
  await page
    .getByRole('dialog')
    .getByRole('button', { name: 'Terminate' })
    .click();
  await expect(page.getByText('NOT_INSTANTIATED').first()).toBeVisible({
    timeout: 90_000,
  });
  await expect(inProgress).toBeHidden({ timeout: 90_000 });
  await expect(latest.getByText('TERMINATE')).toBeVisible();
  await expect(latest.getByText('COMPLETED')).toBeVisible();
  await shot(page, 'mec-instance-terminated');

  await page.getByRole('tab', { name: 'Instances' }).click();
  await expect(page.getByRole('link', { name: 'va-e2e' })).toBeVisible();
  await shot(page, 'mec-instances');

  // Edge hosts: the local cluster, and the register form validates before submit.
  await page.getByRole('tab', { name: 'Edge hosts' }).click();
  await expect(page.getByText('Local edge cluster')).toBeVisible();
  await expect(page.getByText('REACHABLE')).toBeVisible();
  await page.getByRole('button', { name: 'Register host' }).click();
  const register = page.getByRole('dialog', { name: 'Register edge host' });
  await register
    .getByRole('textbox', { name: 'Name', exact: true })
    .fill('Edge_1');
  await register
    .getByRole('textbox', { name: 'Kubernetes API URL' })
    .fill('http://10.0.0.5');
  await register.getByRole('button', { name: 'Register' }).click();
  await expect(register.getByText(/A DNS label/)).toBeVisible();
  await expect(register.getByText(/https only/)).toBeVisible();
  await expect(
    register.getByText('A service account token is required'),
  ).toBeVisible();
  await shot(page, 'mec-register-host');
  await register.getByRole('button', { name: 'Cancel' }).click();
  await shot(page, 'mec-hosts');

  // A host's own page: health, capacity, settings, its instances.
  await page.getByRole('link', { name: 'Local edge cluster' }).click();
  await expect(page).toHaveURL(
    `${new URL(page.url()).origin}/mec/hosts/${
      process.env.E2E_EDGE_HOST ?? 'edge-1'
    }`,
  );
  await expect(
    page.getByRole('region', { name: 'Health' }).getByText('REACHABLE'),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'View this edge host in the catalog' }),
  ).toBeVisible();
  await shot(page, 'mec-host');
});
