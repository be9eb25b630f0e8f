import { expect, test } from '@playwright/test';

test('the app opens idle', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
});
