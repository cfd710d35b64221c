import { defineConfig } from '@playwright/test';

/**
 * Browser tests against a running portal. `npm test` starts the portal and
 * sets E2E_APP_URL; Chromium is Debian's (/usr/bin/chromium), Playwright
 * downloads no browser.
 */
export default defineConfig({
  testDir: 'e2e-tests',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  retries: 0,
  workers: 1,
  outputDir: 'test-results/e2e',
  reporter: [['list'], ['json']],
  use: {
    baseURL: process.env.E2E_APP_URL ?? 'http://localhost:3000',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
