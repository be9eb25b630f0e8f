import { expect, test } from '@playwright/test';

test('the app opens idle', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
});

test('opening /?demo=run (what npm run demo opens) loads the demo scene and downscales it', async ({ page }) => {
  await page.goto('/?demo=run');
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  for (const id of ['lst-1000m', 'lst-500m', 'lst-250m'])
    await expect(page.locator(`[data-testid=layer-toggle][data-layer=${id}]`)).toHaveCount(1);
});
