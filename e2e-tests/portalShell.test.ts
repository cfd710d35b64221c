import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  APIRequestContext,
  expect,
  Locator,
  Page,
  test,
} from '@playwright/test';
import { shot, sidebar, signInAsGuest } from './portal';

// The look and navigation of the portal around the MEC pages: the Backstage
// UI stylesheet on the catalog's own pages, the sidebar, search over the
// MEC entities, the API docs of our ETSI APIs and the NotFound page. The
// viewport-sized shots under test-results/portal are the README's pictures.

const backendUrl = process.env.E2E_BACKEND_URL ?? 'http://localhost:7007';
const authorization = `Bearer ${
  process.env.E2E_MEC_API_TOKEN ?? 'helmmec-dev-token'
}`;

// The size of the README's screenshots (docs/screenshots).
test.use({ viewport: { width: 1280, height: 800 } });
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

/** Where the viewport-sized shots for the README go (docs/screenshots). */
const portalShots = 'test-results/portal';

/**
 * A shot of the viewport (1280x800) for the README, beside the full-page
 * one of {@link shot}.
 */
async function portalShot(page: Page, name: string) {
  await shot(page, name);
  mkdirSync(portalShots, { recursive: true });
  await page.screenshot({ path: `${portalShots}/${name}.png` });
}

/**
 * Onboards the example package location-service through the ETSI API, so a
 * test needs no other test before it; resolves with the package's id.
 */
async function onboardLocationService(request: APIRequestContext) {
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
  return id as string;
}

/**
 * An ONBOARDED, ENABLED location-service package: one another test left, or
 * one onboarded here.
 */
async function usableLocationService(
  request: APIRequestContext,
): Promise<{ id: string; appDId: string }> {
  const get = async (url: string) =>
    (
      await request.get(`${backendUrl}/api/mec/app_pkgm/v1/${url}`, {
        headers: { Authorization: authorization },
      })
    ).json();
  const [usable] = await get(
    'app_packages?filter=(eq,appName,location-service);(eq,onboardingState,ONBOARDED);(eq,operationalState,ENABLED)',
  );
  if (usable) return usable;
  const id = await onboardLocationService(request);
  await expect
    .poll(async () => (await get(`app_packages/${id}`)).onboardingState, {
      timeout: 120_000,
    })
    .toBe('ONBOARDED');
  return get(`app_packages/${id}`);
}

/** The title of the edge host the portal deploys to, as its pages show it. */
async function edgeHostTitle(request: APIRequestContext): Promise<string> {
  const name = process.env.E2E_EDGE_HOST ?? 'edge-1';
  const response = await request.get(`${backendUrl}/api/mec/hosts/${name}`, {
    headers: { Authorization: authorization },
  });
  expect(response.status()).toBe(200);
  const host = await response.json();
  return host.title ?? host.name;
}

test('a MEC package in the catalog: MEC columns, and an entity page styled by the Backstage UI stylesheet', async ({
  page,
  request,
}) => {
  await onboardLocationService(request);

  await page.goto('/');
  await signInAsGuest(page);
  const nav = sidebar(page);
  // Search on top (it opens a modal), Settings at the bottom.
  await expect(nav.getByRole('button', { name: 'Search' })).toBeVisible();
  const links = ['Catalog', 'APIs', 'MEC', 'Create', 'Notifications'];
  for (const item of [...links, 'Settings']) {
    await expect(
      nav.getByRole('link', { name: item, exact: true }),
    ).toBeVisible();
  }
  const order = await nav
    .locator('a, button')
    // without an unread count, which Notifications shows after earlier tests
    .evaluateAll(items =>
      items.map(item => item.textContent?.trim().replace(/\s*\d+$/, '')),
    );
  expect(
    order.filter(text => ['Search', ...links, 'Settings'].includes(text!)),
  ).toEqual(['Search', ...links, 'Settings']);

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
  await portalShot(page, 'catalog-mec-packages');

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
  await portalShot(page, 'catalog-package-styled');
});

test('search finds MEC packages, instances and edge hosts and opens their entity pages', async ({
  page,
  request,
}) => {
  // An instance needs an onboarded, enabled package; it stays
  // NOT_INSTANTIATED, so nothing is deployed.
  const { appDId } = await usableLocationService(request);
  const instanceName = `search-${randomUUID().slice(0, 8)}`;
  const created = await request.post(
    `${backendUrl}/api/mec/app_lcm/v1/app_instances`,
    {
      headers: { Authorization: authorization },
      data: { appDId, appInstanceName: instanceName },
    },
  );
  expect(created.status()).toBe(201);

  await page.goto('/');
  await signInAsGuest(page);

  // The search page: the index is rebuilt on a schedule (every minute in
  // app-config.yaml), so a new instance shows after the next run.
  const instanceResult = page.getByRole('link', { name: instanceName });
  await expect(async () => {
    await page.goto(`/search?query=${instanceName}`);
    await signInAsGuest(page);
    await expect(instanceResult.first()).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: 240_000 });
  await expect(page.getByText('Kind: MecAppInstance').first()).toBeVisible();

  // A package by its name, narrowed to its kind with the Kind filter.
  await page.goto('/search?query=location-service');
  const packageResult = page
    .getByRole('link', { name: /^location-service 1\.3\.0/ })
    .first();
  await expect(packageResult).toBeVisible();
  await page.getByLabel('Kind', { exact: true }).getByRole('button').click();
  await page
    .getByRole('option', { name: 'MecAppPackage', exact: true })
    .click();
  await expect(page.getByText('Kind: MecAppInstance')).toHaveCount(0);
  await expect(packageResult).toBeVisible();
  await portalShot(page, 'search');
  await packageResult.click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/mecapppackage\/location-service-[\w-]+$/,
  );
  await expect(
    page.getByText('MecAppPackage', { exact: true }).first(),
  ).toBeVisible();

  // The edge host the portal deploys to, by its title, from the sidebar's
  // search modal.
  const hostTitle = await edgeHostTitle(request);
  await sidebar(page).getByRole('button', { name: 'Search' }).click();
  const modal = page.getByRole('dialog');
  await modal.getByRole('textbox').fill(hostTitle);
  const hostResult = modal.getByRole('link', { name: hostTitle }).first();
  await expect(hostResult).toBeVisible();
  await hostResult.click();
  await expect(page).toHaveURL(/\/catalog\/default\/resource\//);
  await expect(page.getByText(hostTitle).first()).toBeVisible();

  // The instance's own entity page, from the search page.
  await page.goto(`/search?query=${instanceName}`);
  await instanceResult.first().click();
  await expect(page).toHaveURL(/\/catalog\/default\/mecappinstance\//);
});

test('the MEC instances and edge hosts pages', async ({ page, request }) => {
  await page.goto('/mec/instances');
  await signInAsGuest(page);
  await expect(
    page.getByRole('heading', { name: 'MEC application instances' }),
  ).toBeVisible();
  await expect(page.getByRole('columnheader').first()).toBeVisible();
  await portalShot(page, 'mec-instances');

  await page.goto('/mec/hosts');
  await expect(
    page.getByRole('link', { name: await edgeHostTitle(request), exact: true }),
  ).toBeVisible();
  await portalShot(page, 'mec-edge-hosts');
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
  await portalShot(page, 'api-docs-app-lcm-definition');
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
