import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { APIRequestContext, expect, test } from '@playwright/test';
import { shot, sidebar, signInAsGuest } from './portal';

const backend = process.env.E2E_BACKEND_URL ?? 'http://localhost:7007';
const edgeHost = process.env.E2E_EDGE_HOST ?? 'edge-1';
const auth = {
  Authorization: `Bearer ${
    process.env.E2E_MEC_API_TOKEN ?? 'helmmec-dev-token'
  }`,
};
const examplePackage = path.join(
  __dirname,
  '..',
  'examples',
  'packages',
  'video-analytics.zip',
);

test.use({ viewport: { width: 1440, height: 900 } });
// An instantiation on a real edge cluster, on a machine other work shares.
test.setTimeout(300_000);

type Package = {
  id: string;
  appDId?: string;
  appName?: string;
  appSoftwareVersion?: string;
  onboardingState: string;
  operationalState: string;
};

/**
 * An ONBOARDED, ENABLED package to instantiate: one the system has (other
 * tests onboard theirs), or the example, onboarded through the API.
 */
async function usablePackage(request: APIRequestContext): Promise<Package> {
  const api = `${backend}/api/mec/app_pkgm/v1/app_packages`;
  const usable = async () => {
    const listed = await request.get(api, { headers: auth });
    expect(listed.status()).toBe(200);
    return ((await listed.json()) as Package[]).find(
      p =>
        p.appName === 'video-analytics' &&
        p.onboardingState === 'ONBOARDED' &&
        p.operationalState === 'ENABLED',
    );
  };
  const found = await usable();
  if (found) return found;
  const zip = readFileSync(examplePackage);
  const created = await request.post(api, {
    headers: auth,
    data: {
      appPkgName: 'video-analytics',
      appPkgVersion: '0.1.0',
      checksum: {
        algorithm: 'SHA-256',
        hash: createHash('sha256').update(zip).digest('hex'),
      },
    },
  });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  const upload = await request.put(`${api}/${id}/package_content`, {
    headers: { ...auth, 'Content-Type': 'application/zip' },
    data: zip,
  });
  expect(upload.status()).toBe(202);
  let pkg: Package | undefined;
  await expect(async () => {
    pkg = await usable();
    expect(pkg).toBeDefined();
  }).toPass({ timeout: 60_000 });
  return pkg!;
}

test('the guest hears, in the sidebar and on the notifications page, that their instantiation completed', async ({
  page,
  request,
}) => {
  const pkg = await usablePackage(request);
  const host = await request.get(`${backend}/api/mec/hosts/${edgeHost}`, {
    headers: auth,
  });
  expect(host.status()).toBe(200);
  const hostLabel: string = (await host.json()).title ?? edgeHost;
  const name = `notify-e2e-${randomUUID().slice(0, 6)}`;

  await page.goto('/');
  await signInAsGuest(page);
  const notificationsItem = sidebar(page).getByRole('link', {
    name: /Notifications/,
  });
  await expect(notificationsItem).toBeVisible();

  // Create the instance and instantiate it on the edge host, as the guest.
  await page.goto('/mec/instances');
  await page.getByRole('button', { name: 'Create instance' }).click();
  const create = page.getByRole('dialog', { name: 'Create instance' });
  await create.getByRole('combobox', { name: /Package/ }).click();
  await page
    .getByRole('option', {
      name: new RegExp(`^video-analytics ${pkg.appSoftwareVersion}`),
    })
    .first()
    .click();
  await create.getByLabel('Instance name (optional)').fill(name);
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/mec\/instances\/[0-9a-f-]+$/);
  const instancePath = new URL(page.url()).pathname;
  const appInstanceId = instancePath.split('/').pop()!;
  await expect(page.getByRole('heading', { name })).toBeVisible();

  await page.getByRole('button', { name: 'Instantiate' }).click();
  const instantiate = page.getByRole('dialog', { name: 'Instantiate' });
  await instantiate.getByRole('combobox', { name: /Edge host/ }).click();
  await page
    .getByRole('option', { name: new RegExp(`^${hostLabel}`) })
    .first()
    .click();
  await instantiate.getByRole('button', { name: 'Instantiate' }).click();
  await expect(instantiate).toBeHidden();
  const latest = page.getByRole('region', { name: 'Latest operation' });
  await expect(latest.getByText('COMPLETED')).toBeVisible({ timeout: 90_000 });

  // It arrives while the guest looks at the instance (pushed through
  // signals: a pop-up, and the unread count in the sidebar and the window's
  // title); the notifications page lists it, linking to the instance page.
  const title = `Instantiation of '${name}' completed`;
  await expect(page.getByText(title, { exact: true })).toBeVisible({
    timeout: 30_000,
  });
  await expect(page).toHaveTitle(/^\(\d+\) /);
  await shot(page, 'notifications-arrived');
  await notificationsItem.click();
  await expect(page).toHaveURL(/\/notifications/);
  const notification = page.getByRole('link', { name: title, exact: true });
  await expect(notification).toBeVisible();
  await expect(
    page.getByText(new RegExp(`on edge host ${edgeHost}\\.`)).first(),
  ).toBeVisible();
  await shot(page, 'notifications-page');
  await notification.click();
  await expect(page).toHaveURL(new RegExp(`${instancePath}$`));
  await expect(page.getByRole('heading', { name })).toBeVisible();

  // Leave the edge cluster as it was: terminate and delete, through the API.
  const lcm = `${backend}/api/mec/app_lcm/v1/app_instances/${appInstanceId}`;
  const terminate = await request.post(`${lcm}/terminate`, {
    headers: auth,
    data: { terminationType: 'FORCEFUL' },
  });
  expect(terminate.status()).toBe(202);
  await expect(async () => {
    const instance = await request.get(lcm, { headers: auth });
    const body = await instance.json();
    expect(body.instantiationState).toBe('NOT_INSTANTIATED');
    expect((await request.delete(lcm, { headers: auth })).status()).toBe(204);
  }).toPass({ timeout: 90_000 });
});
