import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import {
  freePort,
  MepmProcess,
  startMepmProcess,
} from '../packages/mepm/src/__testUtils__/mepmProcess';
import { shot, signInAsGuest } from './portal';

// The split topology from the portal: a platform team registers a MEPM
// (a second backend, packages/mepm with mec.role mepm, started here) with
// the portal's MEO, sees its health and the hosts it reports among the edge
// hosts, checks and changes it, and removes it again. The portal may hold
// other MEPMs and hosts: every name here is this run's own.

const backendUrl = process.env.E2E_BACKEND_URL ?? 'http://localhost:7007';
const meoToken = process.env.E2E_MEC_API_TOKEN ?? 'helmmec-dev-token';

// Wide enough for the tables, so full-page screenshots need no resize.
test.use({ viewport: { width: 1440, height: 900 } });
// Starting a second backend takes a while on a busy machine.
test.describe.configure({ timeout: 600_000 });

const run = randomUUID().slice(0, 8);
const mepmName = `e2e-mepm-${run}`;
const mepmHost = `e2e-mepm-host-${run}`;
const mepmToken = `e2e-mepm-token-${run}`;

let mepm: MepmProcess | undefined;
let dataDir: string | undefined;

test.beforeAll(async ({ request }) => {
  test.setTimeout(300_000);
  dataDir = mkdtempSync(join(tmpdir(), 'helmmec-e2e-mepm-'));
  mepm = await startMepmProcess({
    port: await freePort(),
    dataDir,
    token: mepmToken,
    config: {
      mec: {
        mepm: {
          meo: {
            apiRoot: `${backendUrl}/api/mec`,
            auth: { token: meoToken },
          },
        },
      },
    },
  });
  // A cluster of the MEPM's site, registered through the MEPM's own hosts
  // API. Nothing listens at its URL: the MEPM reports it, unreachable.
  const registered = await request.post(`${mepm.url}/api/mec/hosts`, {
    headers: { Authorization: `Bearer ${mepmToken}` },
    data: {
      name: mepmHost,
      title: `Site host ${run}`,
      url: `https://127.0.0.1:${await freePort()}`,
      credential: { type: 'serviceAccountToken', token: 'unused' },
      location: { zone: `zone-${run}` },
      probe: false,
    },
  });
  expect(registered.status(), await registered.text()).toBe(201);
});

test.afterAll(async ({ request }) => {
  // A failed run leaves no MEPM (nor its hosts) behind in the portal.
  await request.delete(`${backendUrl}/api/mec/mepms/${mepmName}`, {
    headers: { Authorization: `Bearer ${meoToken}` },
  });
  await mepm?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('register a MEPM from the portal, see its health and hosts, check, change and remove it', async ({
  page,
}) => {
  await page.goto('/mec/mepms');
  await signInAsGuest(page);
  await expect(
    page.getByRole('heading', { name: 'MEPMs', exact: true }),
  ).toBeVisible();
  await expect(page.getByRole('tab', { name: 'MEPMs' })).toHaveAttribute(
    'aria-selected',
    'true',
  );

  // Register it with a bearer token.
  const register = page.getByRole('button', { name: 'Register MEPM' });
  await expect(register).toBeEnabled();
  await register.click();
  const dialog = page.getByRole('dialog', { name: 'Register MEPM' });
  await dialog.getByLabel(/^Name/).fill(mepmName);
  await dialog.getByLabel(/^Title/).fill(`Site ${run}`);
  await dialog.getByLabel(/^API root/).fill(`${mepm!.url}/api/mec`);
  await dialog.getByLabel(/^Token/).fill(mepmToken);
  await expect(dialog.getByLabel(/^Token/)).toHaveAttribute('type', 'password');
  await shot(page, 'mepms-register');
  await dialog.getByRole('button', { name: 'Register' }).click();
  await expect(dialog).toBeHidden();

  // The MEO checked it at registration: reachable, with the host it reports.
  const row = page.getByRole('row').filter({
    has: page.getByRole('link', { name: `Site ${run}` }),
  });
  await expect(row).toBeVisible();
  await expect(row.getByText('REACHABLE', { exact: true })).toBeVisible();
  await expect(row).toContainText(`${mepmName} · ${mepm!.url}/api/mec`);
  await expect(row).toContainText('bearer token');
  await expect(row).toContainText('1 host');
  await expect(row).toContainText(/checked/);
  // The secret never comes back.
  await expect(page.getByText(mepmToken)).toHaveCount(0);
  await shot(page, 'mepms-list');

  // Its page: the host it reports, and on to that host.
  await row.getByRole('link', { name: `Site ${run}` }).click();
  await expect(page).toHaveURL(new RegExp(`/mec/mepms/${mepmName}$`));
  const hosts = page.getByRole('table', { name: `Edge hosts of ${mepmName}` });
  await expect(
    hosts.getByRole('link', { name: `Site host ${run}` }),
  ).toBeVisible();
  await expect(hosts).toContainText(`zone-${run}`);
  await shot(page, 'mepm-page');

  // The host's own page names its MEPM and offers no check of its own.
  await hosts.getByRole('link', { name: `Site host ${run}` }).click();
  await expect(page).toHaveURL(new RegExp(`/mec/hosts/${mepmHost}$`));
  const settings = page.getByRole('region', { name: 'Settings' });
  await expect(settings).toContainText(`managed by MEPM ${mepmName}`);
  await expect(page.getByRole('button', { name: 'Check now' })).toHaveCount(0);
  await shot(page, 'mepms-edge-host-page');

  // Among the edge hosts, managed by its MEPM: no check or remove here.
  await page.getByRole('tab', { name: 'Edge hosts' }).click();
  const hostRow = page.getByRole('row').filter({
    has: page.getByRole('link', { name: `Site host ${run}` }),
  });
  await expect(hostRow).toContainText(`mepm · managed by MEPM ${mepmName}`);
  await expect(hostRow.getByRole('button')).toHaveCount(0);
  await shot(page, 'mepms-edge-hosts');
  await hostRow.getByRole('link', { name: mepmName }).click();
  await expect(page).toHaveURL(new RegExp(`/mec/mepms/${mepmName}$`));

  // Check now, then change its title.
  await page.getByRole('button', { name: `Check ${mepmName} now` }).click();
  await expect(
    page.getByRole('button', { name: `Check ${mepmName} now` }),
  ).toHaveText('Check now');
  await page.getByRole('button', { name: `Change ${mepmName}` }).click();
  const change = page.getByRole('dialog', { name: `Change MEPM ${mepmName}` });
  await expect(change.getByLabel(/^Name/)).toBeDisabled();
  await expect(change.getByLabel(/^Token/)).toHaveCount(0);
  await change.getByLabel(/^Title/).fill(`Site ${run} (renamed)`);
  await change.getByRole('button', { name: 'Save' }).click();
  await expect(change).toBeHidden();
  await expect(
    page.getByRole('heading', { name: `Site ${run} (renamed)` }),
  ).toBeVisible();

  // Remove it: back to the list, without it, and its host is gone too.
  await page.getByRole('button', { name: `Remove ${mepmName}` }).click();
  const confirm = page.getByRole('dialog', {
    name: `Remove MEPM ${mepmName}?`,
  });
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(page).toHaveURL(/\/mec\/mepms$/);
  await expect(page.getByText(`Site ${run} (renamed)`)).toHaveCount(0);
  await shot(page, 'mepms-removed');
  await page.getByRole('tab', { name: 'Edge hosts' }).click();
  await expect(
    page.getByRole('heading', { name: 'Edge hosts', exact: true }),
  ).toBeVisible();
  await expect(page.getByText(`Site host ${run}`)).toHaveCount(0);
});
