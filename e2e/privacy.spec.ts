import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot, waitForRunEnd } from './helpers.ts';

const dhaka = resolve(repoRoot, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const DHAKA = [
  join(dhaka, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'),
  join(dhaka, 'MOD11A2.061/MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif'),
  join(dhaka, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif'),
];

test('a whole session (demo, real files, export) sends no request off the machine and breaks no CSP rule', async ({
  page,
  context,
  baseURL,
}) => {
  test.setTimeout(420_000);
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  // Page, its workers and the service worker all report through the context.
  context.on('request', (r) => requests.push(r.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const consoleCsp: string[] = [];
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && consoleCsp.push(m.text()));

  await page.goto('/');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).not.toContain("'unsafe-eval'");

  await page.getByTestId('demo').click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  // SRDA-Net ran on wasm under the policy (a blocked wasm compile would fall back to bicubic).
  expect(await page.evaluate(() => window.__srda.backend?.name)).toBe('wasm');
  expect(await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-250m')?.method)).toBe(
    'srda',
  );
  await page.locator('[data-testid=layer-toggle][data-layer="lst-250m"]').check();
  await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);

  if (DHAKA.every((f) => existsSync(f))) {
    await page.getByTestId('file-input').setInputFiles(DHAKA);
    await expect(page.getByTestId('file-row')).toHaveCount(6);
    // Only the real files take part in this run.
    for (const row of await page.getByTestId('file-row').all()) {
      if (!/doy2024097/.test((await row.textContent()) ?? ''))
        await row.locator('select').selectOption('unknown');
    }
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page, 300_000)).toBe('done');
    await expect
      .poll(() =>
        page.evaluate(() => window.__srda.layers.some((l) => l.id === 'bicubic-250m' && l.grid.width === 192)),
      )
      .toBe(true);
  }

  const foreign = requests.filter(
    (u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin,
  );
  expect(foreign).toEqual([]);
  expect(requests.length).toBeGreaterThan(5);
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(consoleCsp).toEqual([]);
});
