import { expect, test, type ConsoleMessage } from '@playwright/test';

/** Two animation frames: whatever the compositor logged for frames drawn so far has reached the console. */
async function afterTwoFrames(page: import('@playwright/test').Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

test('loading the app and the demo scene logs no warning or error (no "GPU stall due to ReadPixels")', async ({ page }) => {
  const logged: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'warning' || m.type() === 'error') logged.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => logged.push(`pageerror: ${e.message}`));

  await page.goto('/');
  await page.waitForFunction(() => window.__srda?.isMapSettled(), null, { timeout: 60_000 });
  await afterTwoFrames(page);
  expect(logged.filter((l) => /ReadPixels|GL Driver Message/.test(l)), 'GL readback warnings on load').toEqual([]);

  await page.getByRole('button', { name: 'load the demo scene' }).click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await page.waitForFunction(() => window.__srda.preview !== undefined && window.__srda.isMapSettled(), null, { timeout: 60_000 });
  await afterTwoFrames(page);
  expect(logged, 'console warnings and errors while loading the app and the demo').toEqual([]);
});
