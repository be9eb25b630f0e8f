import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { repoRoot, shoot, tempDir, waitForRunEnd } from './helpers.ts';

const DEMO = join(repoRoot, 'public/demo');
const LST = 'MOD11A1.061_LST_Day_1km_doy2025172000000_aid0001.tif';
const NDVI = 'MOD13Q1.061__250m_16_days_NDVI_doy2025161000000_aid0001.tif';

/** A small tile of the demo scene (8 x 8 LST -> 32 x 32 at 250 m), cut with GDAL, same file names. */
function smallTile(): string[] {
  const dir = tempDir('srda-tile-');
  execFileSync('gdal_translate', ['-q', '-srcwin', '24', '24', '8', '8', join(DEMO, LST), join(dir, LST)]);
  execFileSync('gdal_translate', [
    '-q',
    '-srcwin',
    '96',
    '96',
    '32',
    '32',
    join(DEMO, NDVI),
    join(dir, NDVI),
  ]);
  return [join(dir, LST), join(dir, NDVI)];
}

async function runOn(
  page: Page,
  backend: string,
): Promise<{ backend: string; method?: string; values: number[] }> {
  await page.getByTestId('backend-choice').selectOption(backend);
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page, 170_000)).toBe('done');
  return page.evaluate(() => {
    const l = window.__srda.layers.find((x) => x.id === 'lst-250m')!;
    const values: number[] = [];
    for (let r = 0; r < l.grid.height; r++)
      for (let c = 0; c < l.grid.width; c++) values.push(window.__srda.valueAt('lst-250m', c, r)!);
    return { backend: window.__srda.backend?.name ?? '', method: l.method, values };
  });
}

test('SRDA-Net on WebGPU (SwiftShader) matches wasm within 1e-3 K on a small tile', async ({ page }) => {
  test.setTimeout(400_000);
  await page.goto('/');
  await page.getByTestId('file-input').setInputFiles(smallTile());
  await expect(page.getByTestId('file-row')).toHaveCount(2);
  await page.getByTestId('method').selectOption('srda');
  await page.getByText('Closed-loop check').click();

  const wasm = await runOn(page, 'wasm');
  test.skip(wasm.method !== 'srda', 'SRDA-Net weights are not available in this build');
  expect(wasm.backend).toBe('wasm');
  expect(wasm.values).toHaveLength(32 * 32);

  const gpu = await runOn(page, 'webgpu');
  await shoot(page, 'webgpu-1-done');
  expect(gpu.backend).toBe('webgpu');
  expect(gpu.method).toBe('srda');
  let maxAbs = 0;
  let n = 0;
  for (let i = 0; i < wasm.values.length; i++) {
    if (Number.isNaN(wasm.values[i]) || Number.isNaN(gpu.values[i])) {
      expect(Number.isNaN(wasm.values[i])).toBe(Number.isNaN(gpu.values[i]));
      continue;
    }
    maxAbs = Math.max(maxAbs, Math.abs(wasm.values[i] - gpu.values[i]));
    n++;
  }
  test
    .info()
    .annotations.push({ type: 'webgpu-vs-wasm', description: `max |diff| ${maxAbs} K over ${n} px` });
  expect(n).toBeGreaterThan(900);
  expect(maxAbs).toBeLessThan(1e-3);
});
