import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { repoRoot, waitForRunEnd } from './helpers.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.tif': 'image/tiff',
};

/** A plain static host for the build (no COOP/COEP headers), as GitHub Pages would serve it. */
function staticHost(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, '');
    let file = join(dir, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function collectProblems(page: Page): string[] {
  const logged: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logged.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => logged.push(`pageerror: ${e.message}`));
  return logged;
}

test('vite preview serves the app cross-origin isolated; map, bundled basemap, workers and SRDA-Net run under COEP', async ({ page }) => {
  const problems = collectProblems(page);
  const res = await page.goto('/');
  expect(res?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(res?.headers()['cross-origin-embedder-policy']).toBe('credentialless');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.waitForFunction(() => window.__srda?.isMapSettled(), null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'load the demo scene' }).click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  const backend = await page.evaluate(() => window.__srda.backend);
  expect(backend?.name).toBe('wasm');
  expect(backend?.inferenceWorkers).toBe(2);
  await page.waitForFunction(() => window.__srda.isMapSettled(), null, { timeout: 60_000 });
  expect(problems).toEqual([]);
});

test('on a static host without headers, the service worker makes the next load cross-origin isolated', async ({ page }) => {
  const dist = join(repoRoot, 'dist');
  test.skip(!existsSync(join(dist, 'sw.js')), 'no build: run vite build first');
  const server = await staticHost(dist);
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const problems = collectProblems(page);
    await page.goto(url);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    // The worker claims the page once installed; from then on it serves every same-origin file.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 120_000 });
    const res = await page.reload();
    expect(res?.headers()['cross-origin-embedder-policy']).toBe('credentialless');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.waitForFunction(() => window.__srda?.isMapSettled(), null, { timeout: 60_000 });
    await page.getByRole('button', { name: 'load the demo scene' }).click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    expect(problems.filter((p) => !/precache incomplete/.test(p))).toEqual([]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
