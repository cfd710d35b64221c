import { expect, Page } from '@playwright/test';

/** Where the e2e tests keep their screenshots. */
export const screenshots = 'test-results/screenshots';

/** A full-page screenshot, with the sidebar collapsed and transitions done. */
export async function shot(page: Page, name: string) {
  // The sidebar expands while it has focus or the pointer; move both away.
  await page.evaluate(() =>
    (document.activeElement as HTMLElement | null)?.blur(),
  );
  await page.mouse.move(1400, 880);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
}

/**
 * The portal's sidebar (pages may have navigation landmarks of their own).
 * Its landmark has no box of its own: check the links in it for visibility.
 */
export const sidebar = (page: Page) =>
  page.getByRole('navigation', { name: 'sidebar nav' });

/** Enters as the guest user when the sign-in page shows. */
export async function signInAsGuest(page: Page) {
  const enter = page.getByRole('button', { name: /enter/i });
  const catalog = sidebar(page).getByRole('link', {
    name: 'Catalog',
    exact: true,
  });
  await expect(enter.or(catalog)).toBeVisible();
  if (await enter.isVisible()) {
    await enter.click();
  }
}
