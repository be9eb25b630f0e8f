import { expect, test } from '@playwright/test';
import { shoot, waitForRunEnd } from './helpers.ts';

test('after the first visit the app and the demo work with the network off', async ({ page, context }) => {
  await page.goto('/');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  const precached = await page.evaluate(
    async () => ((await (await fetch('./precache.json')).json()) as { files: string[] }).files.length,
  );
  expect(precached).toBeGreaterThan(10);
  await expect
    .poll(
      async () =>
        page.evaluate(
          async () =>
            (await caches.keys()).length > 0 && (await (await caches.open('srda-lst-v1')).keys()).length,
        ),
      { timeout: 60_000 },
    )
    .toBeGreaterThan(precached);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
  await page.getByTestId('demo').click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  await expect(page.getByTestId('map-main')).toHaveAttribute('data-ready', 'true');
  await shoot(page, 'offline-1-demo-done');
  await context.setOffline(false);
});
