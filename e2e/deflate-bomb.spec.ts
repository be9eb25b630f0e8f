import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { deflateBomb, oneStripTiff } from '../src/test-support/bomb-tiff.ts';
import { rendererPids } from './chromium.ts';
import { tempDir } from './helpers.ts';

/** The largest peak resident memory (VmHWM) of those renderers, MB. */
function rendererPeakMB(): number {
  let peak = 0;
  for (const pid of rendererPids()) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) peak = Math.max(peak, Number(m[1]) / 1024);
  }
  return peak;
}

// The app inflates Deflate blocks with the browser's DecompressionStream, written in slices that
// stop a slice past the block: a chunk written whole would inflate whole before it could be stopped.
test('a Deflate strip that decodes to 2 GiB costs the page little more than an honest file of the same size', async ({ page }) => {
  test.skip(process.platform !== 'linux', 'reads the renderer memory from /proc');
  const W = 1200;
  const H = 1200;
  const dir = tempDir('srda-bomb-');
  const honest = join(dir, 'honest_LST.tif');
  writeFileSync(honest, oneStripTiff(W, H, 8, deflateSync(new Uint8Array(W * H * 2).fill(7))));
  const bomb = join(dir, 'bomb_LST.tif');
  writeFileSync(bomb, oneStripTiff(W, H, 8, deflateBomb(2 ** 31)));

  await page.goto('/');
  expect(rendererPids().length).toBeGreaterThan(0);
  await page.getByTestId('file-input').setInputFiles([honest]);
  await expect(page.getByTestId('file-row')).toHaveCount(1);
  await expect(page.getByTestId('file-row').first()).toContainText('honest_LST.tif');
  const honestPeakMB = rendererPeakMB();

  await page.getByTestId('file-input').setInputFiles([bomb]);
  await expect(page.getByTestId('file-row')).toHaveCount(2);
  const row = page.getByTestId('file-row').filter({ hasText: 'bomb_LST.tif' });
  // Read (the stream holds the block and more) or refused as damaged, named; never a crash.
  await expect(row).toBeVisible();
  await expect(page.getByTestId('file-row').filter({ hasText: 'honest_LST.tif' })).toBeVisible();
  // The second file itself stays in the page (its layer, its preview): 48-57 MB more here. A stream
  // written whole to DecompressionStream costs 2 GB more.
  expect(rendererPeakMB() - honestPeakMB).toBeLessThan(128);
});
