import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { APIRequestContext, expect, test } from '@playwright/test';
import * as tar from 'tar';
import { parse, stringify } from 'yaml';
import { shot, signInAsGuest } from './portal';

// Upgrade and rollback (change_app_pkg, our extension) in the browser: an
// instance of video-analytics 2.4.1 is upgraded to the next example version
// from its page, with the revision history visible; then a version that
// the cluster refuses is rolled back. Works on a portal that other tests
// have used: packages already onboarded are reused, names are unique.

const backendUrl = process.env.E2E_BACKEND_URL ?? 'http://localhost:7007';
const headers = {
  Authorization: `Bearer ${
    process.env.E2E_MEC_API_TOKEN ?? 'helmmec-dev-token'
  }`,
};
const PKGM = `${backendUrl}/api/mec/app_pkgm/v1`;
const LCM = `${backendUrl}/api/mec/app_lcm/v1`;
const examples = path.join(__dirname, '..', 'examples');
/** The AppD id of the broken version this test builds. */
const BROKEN_APPD_ID = '5f3c9a1e-7b2d-4c8e-9a61-0d4e2b7c1e2e';

test.use({ viewport: { width: 1440, height: 900 } });
test.describe.configure({ timeout: 300_000 });

/**
 * video-analytics 1.2.0 (application 2.6.0), built from the 1.1.0 chart
 * with a negative replica count in its Deployment: the API server refuses
 * the upgrade at once.
 */
async function brokenChart(): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'helmmec-e2e-broken-'));
  try {
    const chartDir = path.join(dir, 'video-analytics');
    cpSync(path.join(examples, 'charts', 'video-analytics-1.1.0'), chartDir, {
      recursive: true,
    });
    const edit = (file: string, change: (doc: any) => void) => {
      const doc = parse(readFileSync(path.join(chartDir, file), 'utf8'));
      change(doc);
      writeFileSync(path.join(chartDir, file), stringify(doc));
    };
    edit('Chart.yaml', chart => {
      chart.version = '1.2.0';
      chart.appVersion = '2.6.0';
    });
    edit('mec/appd.yaml', appd => {
      appd.appDId = BROKEN_APPD_ID;
      appd.appSoftVersion = '2.6.0';
    });
    // In the template, so that no values can mend it.
    const deployment = path.join(chartDir, 'templates', 'deployment.yaml');
    writeFileSync(
      deployment,
      readFileSync(deployment, 'utf8').replace(
        'replicas: {{ .Values.replicaCount }}',
        'replicas: -1',
      ),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of tar.c({ gzip: true, cwd: dir, portable: true }, [
      'video-analytics',
    ]) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The package of an appDId, onboarded and ENABLED; onboards it if missing. */
async function onboarded(
  request: APIRequestContext,
  appDId: string,
  archive: Buffer,
  version: string,
) {
  const found = await request.get(`${PKGM}/app_packages`, {
    headers,
    params: { filter: `(eq,appDId,${appDId})` },
  });
  expect(found.status()).toBe(200);
  let pkg = ((await found.json()) as any[]).find(
    p => p.onboardingState === 'ONBOARDED',
  );
  if (!pkg) {
    const created = await request.post(`${PKGM}/app_packages`, {
      headers,
      data: {
        appPkgName: 'video-analytics',
        appPkgVersion: version,
        checksum: {
          algorithm: 'SHA-256',
          hash: createHash('sha256').update(archive).digest('hex'),
        },
      },
    });
    expect(created.status()).toBe(201);
    const { id } = await created.json();
    const put = await request.put(
      `${PKGM}/app_packages/${id}/package_content`,
      {
        headers: { ...headers, 'Content-Type': 'application/zip' },
        data: archive,
      },
    );
    expect(put.status()).toBe(202);
    await expect(async () => {
      const read = await request.get(`${PKGM}/app_packages/${id}`, { headers });
      pkg = await read.json();
      expect(pkg.onboardingState).toBe('ONBOARDED');
    }).toPass({ timeout: 60_000 });
  }
  if (pkg.operationalState !== 'ENABLED') {
    const patched = await request.patch(`${PKGM}/app_packages/${pkg.id}`, {
      headers,
      data: { operationalState: 'ENABLED' },
    });
    expect(patched.status()).toBeLessThan(300);
  }
  return pkg as { id: string; appDId: string };
}

test('upgrade an instance to the next example version, then roll back a failing one', async ({
  page,
  request,
}) => {
  const zip = (file: string) =>
    readFileSync(path.join(examples, 'packages', file));
  const appDIdOf = (chart: string) =>
    parse(
      readFileSync(
        path.join(examples, 'charts', chart, 'mec', 'appd.yaml'),
        'utf8',
      ),
    ).appDId as string;
  const v241 = await onboarded(
    request,
    appDIdOf('video-analytics'),
    zip('video-analytics.zip'),
    '0.1.0',
  );
  await onboarded(
    request,
    appDIdOf('video-analytics-1.1.0'),
    zip('video-analytics-1.1.0.zip'),
    '1.1.0',
  );

  // An instance of 2.4.1, instantiated through the API.
  const name = `va-upgrade-${randomBytes(3).toString('hex')}`;
  const created = await request.post(`${LCM}/app_instances`, {
    headers,
    data: { appDId: v241.appDId, appInstanceName: name },
  });
  expect(created.status()).toBe(201);
  const instance = await created.json();
  const instantiated = await request.post(
    `${LCM}/app_instances/${instance.id}/instantiate`,
    {
      headers,
      data: {
        additionalParams: {
          replicaCount: 1,
          resources: { requests: { cpu: '100m', memory: '64Mi' } },
        },
      },
    },
  );
  expect(instantiated.status()).toBe(202);
  await expect(async () => {
    const occ = await request.get(instantiated.headers().location, { headers });
    expect((await occ.json()).operationState).toBe('COMPLETED');
  }).toPass({ timeout: 120_000 });

  await page.goto(`/mec/instances/${instance.id}`);
  await signInAsGuest(page);
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await expect(
    page.getByText('Instance of video-analytics 2.4.1'),
  ).toBeVisible();
  const revisions = page.getByRole('table', { name: 'Revision history' });
  await expect(revisions.getByText('video-analytics-0.1.0')).toBeVisible();

  // Upgrade to 2.5.0 from the page.
  const upgradeButton = page.getByRole('button', { name: /^Upgrade to / });
  await expect(upgradeButton).toBeEnabled();
  await upgradeButton.click();
  const dialog = page.getByRole('dialog', {
    name: `Change version of ${name}`,
  });
  await dialog.getByRole('combobox', { name: /Version/ }).click();
  await page.getByRole('option', { name: /^2\.5\.0 / }).click();
  await shot(page, 'mec-upgrade-dialog');
  await dialog.getByRole('button', { name: 'Upgrade to 2.5.0' }).click();
  await expect(dialog).toBeHidden();

  const latest = page.getByRole('region', { name: 'Latest operation' });
  await expect(latest.getByText('CHANGE_APP_PKG')).toBeVisible();
  await expect(latest.getByText('COMPLETED')).toBeVisible({ timeout: 120_000 });
  await expect(
    page.getByText('Instance of video-analytics 2.5.0'),
  ).toBeVisible();
  await expect(
    revisions.getByRole('row', { name: /video-analytics-1\.1\.0/ }),
  ).toContainText('DEPLOYED');
  await expect(
    revisions.getByRole('row', { name: /video-analytics-0\.1\.0/ }),
  ).toContainText('SUPERSEDED');
  await shot(page, 'mec-upgrade-completed');

  // A version the cluster refuses: rolled back to 2.5.0, and said so.
  await onboarded(request, BROKEN_APPD_ID, await brokenChart(), '1.2.0');
  await page.reload();
  await expect(
    page.getByRole('button', { name: 'Upgrade to 2.6.0' }),
  ).toBeEnabled();
  await page.getByRole('button', { name: 'Upgrade to 2.6.0' }).click();
  await dialog.getByRole('button', { name: 'Upgrade to 2.6.0' }).click();
  await expect(dialog).toBeHidden();
  await expect(latest.getByText('FAILED_TEMP')).toBeVisible({
    timeout: 120_000,
  });
  await expect(latest).toContainText(
    /Upgrade to video-analytics-1\.2\.0 failed: .*Rolled back to revision 2 \(video-analytics-1\.1\.0\)/,
  );
  const rollback = revisions.getByRole('row', { name: /Rollback to 2/ });
  await expect(rollback).toContainText('video-analytics-1.1.0');
  await expect(rollback).toContainText('DEPLOYED');
  await expect(
    revisions.getByRole('row', { name: /video-analytics-1\.2\.0/ }),
  ).toContainText('FAILED');
  await shot(page, 'mec-upgrade-rolled-back');

  // Given up: the instance stays on 2.5.0.
  await latest.getByRole('button', { name: 'Mark failed' }).click();
  await expect(latest.getByText('FAILED', { exact: true })).toBeVisible();
  await expect(
    page.getByText('Instance of video-analytics 2.5.0'),
  ).toBeVisible();

  // Leave no release behind.
  const terminated = await request.post(
    `${LCM}/app_instances/${instance.id}/terminate`,
    { headers, data: { terminationType: 'FORCEFUL' } },
  );
  expect(terminated.status()).toBe(202);
});
