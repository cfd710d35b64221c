import { expect, Page, test } from '@playwright/test';

async function signInAsGuest(page: Page) {
  const enter = page.getByRole('button', { name: /enter/i });
  await expect(enter.or(page.getByRole('navigation'))).toBeVisible();
  if (await enter.isVisible()) {
    await enter.click();
  }
}

test('the MEC sidebar item opens the packages page with its empty state', async ({
  page,
}) => {
  await page.goto('/');
  await signInAsGuest(page);

  await page.getByRole('link', { name: 'MEC' }).click();
  await expect(page).toHaveURL(/\/mec$/);
  await expect(
    page.getByRole('heading', {
      name: 'MEC application packages',
      exact: true,
    }),
  ).toBeVisible();
  await expect(page.getByText('No MEC application packages yet')).toBeVisible();
  await page.screenshot({
    path: 'test-results/screenshots/mec-packages-empty.png',
    fullPage: true,
  });
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
