// A CPU profile of the bench page's thread through the Chrome DevTools Protocol, for
// `bench/browser-run.ts --cpu-prof DIR`. (The page's Web Workers are not profiled: Playwright's
// own session attaches them flattened, and a second session's auto-attach does not reach them.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

/**
 * Starts V8's sampling profiler (every `intervalUs`) on `page`'s main thread; `stop` writes
 * `DIR/page.cpuprofile` (Chrome DevTools' format) and resolves its path.
 */
export async function startPageCpuProfile(page: Page, dir: string, intervalUs = 1000): Promise<{ stop(): Promise<string> }> {
  mkdirSync(dir, { recursive: true });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
  return {
    async stop() {
      const { profile } = await cdp.send('Profiler.stop');
      await cdp.detach();
      const file = join(dir, 'page.cpuprofile');
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
