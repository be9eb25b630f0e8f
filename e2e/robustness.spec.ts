import { basename } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { MESSAGES } from '../src/ui/messages.ts';
import { makeBadInputCorpus } from './fixtures/bad-inputs.ts';
import { tempDir, waitForRunEnd } from './helpers.ts';

/** Layer ids and a fingerprint of every layer (stats plus values on a 9x9 lattice of each grid). */
async function snapshot(page: Page): Promise<{ ids: string[]; prints: Record<string, number[]> }> {
  return page.evaluate(() => {
    const prints: Record<string, number[]> = {};
    for (const l of window.__srda.layers) {
      const v: number[] = [l.stats.min, l.stats.max, l.stats.mean, l.stats.std];
      for (let i = 1; i < 10; i++)
        for (let j = 1; j < 10; j++)
          v.push(
            window.__srda.valueAt(
              l.id,
              Math.floor((i * l.grid.width) / 10),
              Math.floor((j * l.grid.height) / 10),
            ) ?? -1,
          );
      prints[l.id] = v.map((x) => (Number.isNaN(x) ? -9999 : x));
    }
    return { ids: window.__srda.layers.map((l) => l.id), prints };
  });
}

/** Live tfjs tensors in the downscaling worker (tfjs keeps its engine on the worker's global). */
async function workerTensors(page: Page): Promise<number | undefined> {
  for (const w of page.workers()) {
    const n = await w
      .evaluate(
        () =>
          (globalThis as unknown as { _tfengine?: { state: { numTensors: number } } })._tfengine?.state
            .numTensors,
      )
      .catch(() => undefined);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Gives the LST and NDVI roles to the two named files and "unknown" to every other usable row. */
async function useOnly(page: Page, lst: string, ndvi: string): Promise<void> {
  for (const row of await page.getByTestId('file-row').all()) {
    const select = row.locator('select');
    if (await select.isDisabled()) continue;
    const name = (await row.locator('td').first().getAttribute('title')) ?? '';
    await select.selectOption(name === lst ? 'lst' : name === ndvi ? 'ndvi' : 'unknown');
  }
}

test('every bad input gets its own plain message in the app; earlier results stay; no metadata script runs', async ({
  page,
}) => {
  test.setTimeout(300_000);
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
  const cases = makeBadInputCorpus(tempDir('srda-corpus-e2e-'));
  await page.goto('/');
  await page.getByTestId('demo').click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await page.getByTestId('method').selectOption('bicubic');
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  let before = await snapshot(page);

  // Files the reader must reject (or accept, for the hostile one), dropped together.
  const readCases = cases.filter((c) => c.command === 'info');
  await page.getByTestId('file-input').setInputFiles(readCases.map((c) => c.file!));
  await expect(page.getByTestId('file-row')).toHaveCount(3 + readCases.length);
  for (const c of readCases) {
    const name = basename(c.file!);
    const row = page
      .getByTestId('file-row')
      .filter({ has: page.locator(`td[title="${name.replace(/"/g, '\\"')}"]`) });
    if (c.code) {
      await expect(row, c.name).toHaveClass(/bad/);
      await expect(row.locator('td.reason'), c.name).toContainText(
        MESSAGES[c.code].what.replace('{file}', `“${name}”`),
      );
    } else {
      await expect(row, c.name).not.toHaveClass(/bad/);
      await expect(row).toHaveAttribute('data-role', 'lst');
      await expect(row.locator('td').first()).toHaveText(name);
    }
  }
  await expect(page.getByTestId('error')).toBeVisible();
  await expect(page.getByTestId('error')).not.toContainText(/undefined|at \w+ \(|TypeError/);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('img[src="x"], svg[onload], script:not([src])').count()).toBe(0);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done');
  expect(await snapshot(page)).toEqual(before);

  // Inputs that read fine but cannot be downscaled together: the run reports the specific code.
  const good = {
    lst: 'MOD11A1.061_LST_Day_1km_doy2025001000000_aid0001.tif',
    ndvi: 'MOD13Q1.061__250m_16_days_NDVI_doy2025001000000_aid0001.tif',
  };
  const dir = cases.find((c) => c.command === 'downscale')!.lst!.replace(/[^/]+$/, '');
  await page.getByTestId('file-input').setInputFiles([dir + good.lst, dir + good.ndvi]);
  for (const c of cases.filter((x) => x.command === 'downscale')) {
    const lst = basename(c.lst!);
    const ndvi = basename(c.ndvi!);
    const added = [lst, ndvi].filter((n) => n !== good.lst && n !== good.ndvi);
    if (added.length > 0) await page.getByTestId('file-input').setInputFiles(added.map((n) => dir + n));
    const lstRow = page.getByTestId('file-row').filter({ has: page.locator(`td[title="${lst}"]`) });
    if (c.code && (await lstRow.getAttribute('class'))?.includes('bad')) {
      // Caught when the file was read (e.g. no valid pixel at all): reported in its row.
      await expect(lstRow.locator('td.reason'), c.name).toContainText(
        MESSAGES[c.code].what.replace('{file}', `“${lst}”`),
      );
    } else if (c.code === 'NO_OVERLAP') {
      // The command line refuses; the app names the guide of another place before the run and leaves it out of the scene.
      await useOnly(page, lst, ndvi);
      await expect(page.getByTestId('scene-notice'), c.name).toContainText(`${ndvi} (ndvi) covers another place than the LST ${lst}`);
      await expect(page.getByTestId('lst-only'), c.name).toBeVisible();
    } else if (c.code === 'NOT_COARSER') {
      // The command line refuses; the app offers a reference factor instead of a dead end.
      await useOnly(page, lst, ndvi);
      await expect(page.getByTestId('same-grid'), c.name).toContainText('already on the grid of the guide layers');
      await expect(page.getByTestId('reference-factor')).toBeVisible();
    } else {
      await useOnly(page, lst, ndvi);
      await page.getByTestId('run').click();
      const end = await waitForRunEnd(page);
      if (c.code) {
        expect(end, c.name).toBe('error');
        await expect(page.getByTestId('error'), c.name).toHaveAttribute('data-code', c.code);
        await expect(page.getByTestId('error')).toContainText(MESSAGES[c.code].todo);
        expect(await snapshot(page), c.name).toEqual(before);
      } else {
        expect(end, c.name).toBe('done');
        before = await snapshot(page);
      }
    }
    for (const n of added) await page.getByRole('button', { name: `Remove ${n}` }).click();
  }
});

test('two runs give identical results; a cancelled run leaks no tensors and the next run matches', async ({
  page,
}) => {
  test.setTimeout(400_000);
  await page.goto('/');
  await page.getByTestId('demo').click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await expect(page.getByTestId('method')).toHaveValue('srda');
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  const first = await snapshot(page);
  expect(first.ids).toContain('lst-250m');
  const tensors = await workerTensors(page);
  expect(tensors).toBeDefined();

  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  expect(await snapshot(page)).toEqual(first);
  expect(await workerTensors(page)).toBe(tensors);

  // Cancel while SRDA-Net is fine-tuning on the scene (variables, optimiser state and tiles live).
  await page.getByTestId('finetune').check();
  await page.getByTestId('run').click();
  // Not the model loading ("starting SRDA-Net"): the fine-tuning steps themselves.
  await expect(page.getByTestId('progress')).toContainText(/SRDA-Net, fine-tune · [1-9]/, { timeout: 120_000 });
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
  // At most the one loaded model stays (no growth from the interrupted work).
  await expect.poll(() => workerTensors(page), { timeout: 30_000 }).toBeLessThanOrEqual(tensors!);
  await page.getByTestId('finetune').uncheck();

  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  expect(await snapshot(page)).toEqual(first);
  expect(await workerTensors(page)).toBe(tensors);
});

test('a WebGPU device lost mid-run: SRDA-Net continues on wasm, completes and tells the user', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.goto('/');
  await page.getByTestId('demo').click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await page.getByTestId('backend-choice').selectOption('webgpu');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('progress')).toContainText(/SRDA-Net, stage/, { timeout: 300_000 });
  // Destroy the GPUDevice tfjs runs on, as a driver reset or a GPU crash would.
  let destroyed = false;
  for (const w of page.workers()) {
    const r = await w
      .evaluate(() => {
        const e = (
          globalThis as unknown as {
            _tfengine?: { backendName: string; backend: { device?: { destroy(): void } } };
          }
        )._tfengine;
        if (!e || e.backendName !== 'webgpu' || !e.backend.device) return false;
        e.backend.device.destroy();
        return true;
      })
      .catch(() => false);
    destroyed ||= r;
  }
  expect(destroyed).toBe(true);
  const end = await waitForRunEnd(page, 500_000);
  expect(end, JSON.stringify(await page.evaluate(() => window.__srda.error))).toBe('done');
  await expect(page.getByTestId('notices')).toContainText(
    /webgpu backend failed \(device lost.*continued on wasm/,
  );
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm');
  const s = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-250m'));
  expect(s?.method).toBe('srda');
  expect(s!.stats.min).toBeGreaterThan(250);
  expect(s!.stats.max).toBeLessThan(350);
});
