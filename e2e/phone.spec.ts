import { expect, test } from '@playwright/test';
import { waitForRunEnd } from './helpers.ts';

// Opened on a phone from the start (not resized from a laptop): the stacked map takes the card's width and draws.
test.use({ viewport: { width: 390, height: 844 } });

test('on a 390x844 phone the demo run draws its LST on a map as wide as its card, inside the screen', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?demo=run');
  await waitForRunEnd(page);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done');
  const canvas = page.locator('.maplibregl-canvas').first();
  await canvas.scrollIntoViewIfNeeded();
  const box = await page.locator('.map-box').first().boundingBox();
  const c = await canvas.boundingBox();
  // Before: the map box shrank to its content, maplibre fell back to a 400 px canvas, past the 390 px screen.
  expect(c!.x + c!.width).toBeLessThanOrEqual(390);
  expect(Math.abs(c!.width - box!.width)).toBeLessThan(2);
  expect(c!.width).toBeGreaterThan(300);
  // Share of the canvas's pixels that are colour (the LST palette), not the plain background; before, none.
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const src = document.querySelector('.maplibregl-canvas') as HTMLCanvasElement;
          const ctx = Object.assign(document.createElement('canvas'), { width: src.width, height: src.height }).getContext('2d')!;
          ctx.drawImage(src, 0, 0);
          const d = ctx.getImageData(0, 0, src.width, src.height).data;
          let coloured = 0;
          for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) coloured++;
          return coloured / (d.length / 4);
        }),
      { timeout: 30_000 },
    )
    .toBeGreaterThan(0.2);
});
