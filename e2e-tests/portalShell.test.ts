import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, Locator, Page, test } from '@playwright/test';
import { shot, sidebar, signInAsGuest } from './portal';

// The look and navigation of the portal around the MEC pages: the Backstage
// UI stylesheet on the catalog's own pages, the sidebar, the API docs of our
// ETSI APIs and the NotFound page.

const backendUrl = process.env.E2E_BACKEND_URL ?? 'http://localhost:7007';
const authorization = `Bearer ${
  process.env.E2E_MEC_API_TOKEN ?? 'helmmec-dev-token'
}`;

test.use({ viewport: { width: 1440, height: 900 } });
// Each test waits for the catalog to ingest; the portal runs in dev mode.
test.describe.configure({ timeout: 300_000 });

/**
 * Opens a catalog-backed page until it shows `expected`: the catalog ingests
 * on its own loop and its pages do not refresh by themselves. Each reload
 * waits for the page's table first, which loads slowly on a busy machine.
 */
async function openWhenIngested(page: Page, url: string, expected: Locator) {
  await expect(async () => {
    await page.goto(url);
    await signInAsGuest(page);
    // The table first (its code loads lazily), then the row.
    await expect(page.getByRole('columnheader').first()).toBeVisible({
      timeout: 60_000,
    });
    await expect(expected).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 240_000 });
}

test('a MEC package in the catalog: MEC columns, and an entity page styled by the Backstage UI stylesheet', async ({
  page,
  request,
}) => {
  // Onboard an example package through the ETSI API, so this test needs no
  // other test before it.
  const zip = readFileSync(
    path.join(__dirname, '..', 'examples', 'packages', 'location-service.zip'),
  );
  const created = await request.post(
    `${backendUrl}/api/mec/app_pkgm/v1/app_packages`,
    {
      headers: { Authorization: authorization },
      data: {
        appPkgName: 'location-service',
        appPkgVersion: '1.0.0',
        checksum: {
          algorithm: 'SHA-256',
          hash: createHash('sha256').update(zip).digest('hex'),
        },
      },
    },
  );
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  const uploaded = await request.put(
    `${backendUrl}/api/mec/app_pkgm/v1/app_packages/${id}/package_content`,
    {
      headers: {
        Authorization: authorization,
        'Content-Type': 'application/zip',
      },
      data: zip,
    },
  );
  expect(uploaded.status()).toBe(202);

  await page.goto('/');
  await signInAsGuest(page);
  const nav = sidebar(page);
  for (const item of ['Catalog', 'APIs', 'MEC', 'Settings']) {
    await expect(
      nav.getByRole('link', { name: item, exact: true }),
    ).toBeVisible();
  }

  // The catalog lists MecAppPackage entities with provider, version and
  // states, not the empty System/Type/Lifecycle columns.
  const link = page.getByRole('link', { name: 'location-service 1.3.0' });
  await openWhenIngested(
    page,
    '/catalog?filters%5Bkind%5D=mecapppackage&filters%5Buser%5D=all',
    link.first(),
  );
  for (const column of ['Provider', 'Version', 'Onboarding', 'State']) {
    await expect(
      page.getByRole('columnheader', { name: column, exact: true }),
    ).toBeVisible();
  }
  await expect(
    page.getByRole('columnheader', { name: 'Lifecycle', exact: true }),
  ).toHaveCount(0);
  await shot(page, 'catalog-mec-packages');

  await link.first().click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/mecapppackage\/location-service-[\w-]+$/,
  );
  await expect(
    page.getByText('MecAppPackage', { exact: true }).first(),
  ).toBeVisible();
  // The header's title takes its size from a Backstage UI token, which only
  // has a value when the stylesheet is loaded.
  const title = page.locator('[class*="bui-HeaderTitleStack"]').first();
  await expect(title).toBeVisible();
  const style = await title.evaluate(element => ({
    token: getComputedStyle(document.documentElement)
      .getPropertyValue('--bui-font-size-6')
      .trim(),
    fontSize: getComputedStyle(element).fontSize,
  }));
  expect(style.token).toBe('1.5rem');
  expect(style.fontSize).toBe('24px');
  await shot(page, 'catalog-package-styled');
});

test('the APIs page lists our ETSI APIs and shows app_lcm from its OpenAPI document', async ({
  page,
}) => {
  await page.goto('/');
  await signInAsGuest(page);
  // The portal opens on the catalog.
  await expect(page).toHaveURL(/\/catalog/);
  await sidebar(page).getByRole('link', { name: 'APIs', exact: true }).click();
  await expect(page).toHaveURL(/\/api-docs/);
  const lcm = page.getByRole('link', { name: 'ETSI MEC 010-2 app_lcm/v1' });
  await openWhenIngested(page, '/api-docs', lcm);
  for (const api of [
    'ETSI MEC 010-2 app_pkgm/v1',
    'ETSI MEC 010-2 granting/v1',
    'HelmMEC edge host registry',
  ]) {
    await expect(page.getByRole('link', { name: api })).toBeVisible();
  }
  await shot(page, 'api-docs');

  await lcm.click();
  await expect(page).toHaveURL(/\/catalog\/default\/api\/mec-app-lcm/);
  await page.getByRole('link', { name: 'Definition', exact: true }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/api\/mec-app-lcm\/definition$/,
  );
  // Swagger UI renders the operations of our app_lcm.yaml.
  await expect(
    page.locator('.opblock-summary-path[data-path="/app_instances"]').first(),
  ).toBeVisible({ timeout: 60_000 });
  await expect(
    page
      .locator(
        '.opblock-summary-path[data-path="/app_instances/{appInstanceId}/instantiate"]',
      )
      .first(),
  ).toBeVisible();
  await shot(page, 'api-docs-app-lcm-definition');
});

test('an unknown route shows NotFound, in the app and under /mec', async ({
  page,
}) => {
  await page.goto('/');
  await signInAsGuest(page);
  for (const [route, name] of [
    ['/no-such-page', 'not-found'],
    ['/mec/packages', 'not-found-mec'],
  ]) {
    await page.goto(route);
    await signInAsGuest(page);
    await expect(page.getByText(/page not found/i)).toBeVisible();
    await expect(
      sidebar(page).getByRole('link', { name: 'MEC', exact: true }),
    ).toBeVisible();
    await shot(page, name);
  }
});
