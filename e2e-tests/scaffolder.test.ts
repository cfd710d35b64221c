import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { APIRequestContext, expect, Page, test } from '@playwright/test';
import { shot, signInAsGuest } from './portal';

const backend = process.env.E2E_BACKEND_URL ?? 'http://localhost:7007';
const token = process.env.E2E_MEC_API_TOKEN ?? 'helmmec-dev-token';
const edgeHost = process.env.E2E_EDGE_HOST ?? 'edge-1';
const auth = { Authorization: `Bearer ${token}` };
const PKGM = `${backend}/api/mec/app_pkgm/v1`;
const LCM = `${backend}/api/mec/app_lcm/v1`;

test.use({ viewport: { width: 1440, height: 900 } });

/**
 * An ONBOARDED, ENABLED location-service package: one another test left, or
 * one onboarded here by upload.
 */
async function locationServicePackage(request: APIRequestContext) {
  const listed = await request.get(
    `${PKGM}/app_packages?filter=(eq,appName,location-service);(eq,onboardingState,ONBOARDED);(eq,operationalState,ENABLED)`,
    { headers: auth },
  );
  expect(listed.status()).toBe(200);
  const [found] = await listed.json();
  if (found) return;

  const zip = readFileSync(
    path.join(__dirname, '..', 'examples', 'packages', 'location-service.zip'),
  );
  const created = await request.post(`${PKGM}/app_packages`, {
    headers: auth,
    data: {
      appPkgName: 'location-service',
      appPkgVersion: '0.1.0',
      checksum: {
        algorithm: 'SHA-256',
        hash: createHash('sha256').update(zip).digest('hex'),
      },
    },
  });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  const upload = await request.put(
    `${PKGM}/app_packages/${id}/package_content`,
    { headers: { ...auth, 'Content-Type': 'application/zip' }, data: zip },
  );
  expect(upload.status()).toBe(202);
  await expect(async () => {
    const pkg = await (
      await request.get(`${PKGM}/app_packages/${id}`, { headers: auth })
    ).json();
    expect(pkg.onboardingState).toBe('ONBOARDED');
  }).toPass({ timeout: 60_000 });
}

/**
 * Chooses an entity in an EntityPicker: the option whose title matches
 * `option`, after which the field shows an entity ref matching `ref`. The
 * picker chooses by itself, and locks, when the catalog holds a single
 * candidate.
 */
async function pickEntity(
  page: Page,
  label: string,
  option: RegExp,
  ref: RegExp,
) {
  const field = page.getByRole('textbox', { name: label, exact: true });
  await expect(async () => {
    if (await field.isDisabled({ timeout: 5_000 })) {
      await expect(field).toHaveValue(ref, { timeout: 5_000 });
      return;
    }
    // Short timeouts: the picker may lock between the check and the click.
    await field.click({ timeout: 5_000 });
    await page
      .getByRole('option', { name: option })
      .first()
      .click({ timeout: 5_000 });
    await expect(field).toHaveValue(ref, { timeout: 5_000 });
  }).toPass({ timeout: 120_000 });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the "Deploy a MEC application" template runs to a COMPLETED instance on the edge host', async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  await locationServicePackage(request);
  const name = `tmpl-${Date.now().toString(36)}`;

  await page.goto('/create');
  await signInAsGuest(page);
  const card = page
    .locator('.MuiCard-root')
    .filter({ hasText: 'Deploy a MEC application to an edge host' });
  // The catalog reads the template's location on its own loop.
  await expect(async () => {
    await page.reload();
    await signInAsGuest(page);
    await expect(card).toBeVisible({ timeout: 30_000 });
  }).toPass({ timeout: 180_000 });
  await shot(page, 'scaffolder-templates');
  await card.getByRole('button', { name: /choose/i }).click();

  // Step 1: the package (mirrored to the catalog) and the instance name.
  await pickEntity(
    page,
    'Application package',
    /location-service/,
    /^mecapppackage:default\/location-service-/,
  );
  await page.getByLabel('Instance name').fill(name);
  await page.getByLabel('Description').fill('Deployed by the scaffolder e2e');
  await shot(page, 'scaffolder-step-application');
  await page.getByRole('button', { name: 'Next' }).click();

  // Step 2: the e2e edge host rather than placement.
  await page.getByLabel('On an edge host I pick').check();
  // Options show the host's title, which the API knows.
  const host = await (
    await request.get(`${backend}/api/mec/hosts/${edgeHost}`, { headers: auth })
  ).json();
  await pickEntity(
    page,
    'Edge host',
    new RegExp(`^${escape(host.title ?? edgeHost)}`),
    new RegExp(`^resource:default/${escape(edgeHost)}$`),
  );
  await shot(page, 'scaffolder-step-host');
  await page.getByRole('button', { name: 'Next' }).click();

  // Step 3: Helm values.
  await page.getByLabel('Helm values (JSON)').fill('{"replicaCount": 1}');
  await shot(page, 'scaffolder-step-values');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByText(name).first()).toBeVisible();
  await shot(page, 'scaffolder-review');
  await page.getByRole('button', { name: 'Create' }).click();

  // The task page: each step, then the output links.
  const mecLink = page.getByRole('link', { name: "The instance's MEC page" });
  await expect(mecLink.or(page.getByText(/failed/i).first())).toBeVisible({
    timeout: 240_000,
  });
  await expect(mecLink).toBeVisible();
  // The catalog link names the entity the MEC catalog module makes.
  await expect(
    page.getByRole('link', { name: 'The instance in the catalog' }),
  ).toHaveAttribute(
    'href',
    new RegExp(`/catalog/default/mecappinstance/${name}-[0-9a-f]{8}$`),
  );
  await shot(page, 'scaffolder-task-completed');

  // The instance, as the API tells it.
  const instances = await request.get(
    `${LCM}/app_instances?filter=(eq,appInstanceName,${name})`,
    { headers: auth },
  );
  const [instance] = await instances.json();
  expect(instance).toMatchObject({
    appName: 'location-service',
    appInstanceName: name,
    instantiationState: 'INSTANTIATED',
    edgeHost: { name: edgeHost },
  });
  const occs = await request.get(
    `${LCM}/app_lcm_op_occs?all_fields&filter=(eq,_links/appInstance/href,${instance._links.self.href})`,
    { headers: auth },
  );
  expect(await occs.json()).toEqual([
    expect.objectContaining({
      lcmOperation: 'INSTANTIATE',
      operationState: 'COMPLETED',
    }),
  ]);

  // The output link opens the instance's MEC page.
  await mecLink.click();
  await expect(page).toHaveURL(new RegExp(`/mec/instances/${instance.id}$`));
  await expect(page.getByText(name).first()).toBeVisible();
  await expect(page.getByText('STARTED', { exact: true })).toBeVisible();
  await expect(
    page.getByText('COMPLETED', { exact: true }).first(),
  ).toBeVisible();
  await shot(page, 'scaffolder-instance-page');
});
