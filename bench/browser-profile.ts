// CPU profiles of the bench page's threads through the Chrome DevTools Protocol, for
// `bench/browser-run.ts --cpu-prof DIR` (the page's thread) and `--worker-prof DIR` (every Web Worker).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from '@playwright/test';

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

/** One Web Worker's profile as `stop` wrote it. */
export interface WorkerProfile {
  name: string;
  file: string;
}

interface AttachedEvent {
  sessionId: string;
  targetInfo: { type: string; title: string; url: string };
}

/**
 * The page's Web Workers through `cdp`, a CDP session auto-attached to them without the flat protocol
 * (the caller turns auto-attach on): each worker named `<title>-<n>` in `names` by its session id,
 * `ended` once detached, and `send` a command to one, resolving with its result (rejecting after
 * `replyTimeoutMs` where given: a worker that ends meanwhile never answers).
 */
function attachWorkers(
  cdp: CDPSession,
  o: { onAttach?: (sessionId: string, name: string) => void; onDetach?: (sessionId: string) => void; replyTimeoutMs?: number } = {},
): { send<T>(sessionId: string, method: string, params?: object): Promise<T>; names: Map<string, string>; ended: Set<string> } {
  let nextId = 1;
  const replies = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  const names = new Map<string, string>();
  const ended = new Set<string>();
  const counts = new Map<string, number>();
  const send = <T>(sessionId: string, method: string, params: object = {}): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      replies.set(id, { resolve: resolve as (r: unknown) => void, reject });
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
      if (o.replyTimeoutMs !== undefined) setTimeout(() => replies.delete(id) && reject(new Error(`no answer from ${sessionId}`)), o.replyTimeoutMs);
    });
  };
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
    const r = m.id !== undefined ? replies.get(m.id) : undefined;
    if (!r) return;
    replies.delete(m.id!);
    if (m.error) r.reject(new Error(m.error.message));
    else r.resolve(m.result);
  });
  cdp.on('Target.attachedToTarget', (e: AttachedEvent) => {
    if (e.targetInfo.type !== 'worker') return;
    const base = (e.targetInfo.title || e.targetInfo.url.split('/').pop() || 'worker').replace(/[^\w.-]+/g, '_');
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    names.set(e.sessionId, `${base}-${n}`);
    o.onAttach?.(e.sessionId, `${base}-${n}`);
  });
  cdp.on('Target.detachedFromTarget', (e: { sessionId: string }) => {
    ended.add(e.sessionId);
    if (o.onDetach) {
      names.delete(e.sessionId);
      o.onDetach(e.sessionId);
    }
  });
  return { send, names, ended };
}

/**
 * Profiles every Web Worker `page` starts from now on (each its own V8 sampling profiler, every
 * `intervalUs`), through a second CDP session auto-attached to the page's workers without the flat
 * protocol (Playwright's own session holds the flat one). A profile exists only while its worker
 * runs: `stop` must be called before the workers end (the bench page's full tile waits for it before
 * it closes its inference workers). `stop` writes `DIR/<worker name>-<n>.cpuprofile` per worker
 * still running.
 */
export async function startWorkerCpuProfiles(page: Page, dir: string, intervalUs = 1000): Promise<{ stop(): Promise<WorkerProfile[]> }> {
  mkdirSync(dir, { recursive: true });
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const { send, names, ended } = attachWorkers(cdp, {
    onAttach: (sessionId) =>
      void (async () => {
        await send(sessionId, 'Profiler.enable');
        await send(sessionId, 'Profiler.setSamplingInterval', { interval: intervalUs });
        await send(sessionId, 'Profiler.start');
      })().catch(() => undefined),
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return {
    async stop() {
      const out: WorkerProfile[] = [];
      for (const [sessionId, name] of names) {
        if (ended.has(sessionId)) continue;
        try {
          const { profile } = await send<{ profile: unknown }>(sessionId, 'Profiler.stop');
          const file = join(dir, `${name}.cpuprofile`);
          writeFileSync(file, JSON.stringify(profile));
          out.push({ name, file });
        } catch {
          // the worker ended meanwhile: its profile is gone
        }
      }
      await cdp.detach();
      return out;
    },
  };
}

/** One isolate's heap as `Runtime.getHeapUsage` reports it, MB. */
export interface IsolateHeap {
  name: string;
  /** Live and not yet collected JavaScript objects. */
  usedMB: number;
  /** The heap's pages (used or not). */
  totalMB: number;
  /** Backing stores of ArrayBuffers (and external strings) the isolate still references, dead or alive. */
  backingMB: number;
}

/**
 * Reads `Runtime.getHeapUsage` of the page and of every Web Worker it starts from now on every
 * `everyMs` (no collection forced: what the isolates hold, garbage included), through a CDP session
 * auto-attached to the workers as `startWorkerCpuProfiles` does. `latest()` is the last reading of
 * each isolate still running; `stop()` ends the sampling.
 */
export async function startHeapSampling(page: Page, everyMs: number): Promise<{ latest(): IsolateHeap[]; stop(): Promise<void> }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const last = new Map<string, IsolateHeap>();
  // A worker that ends meanwhile never answers: its reading is skipped after 2 s.
  const { send, names: workers } = attachWorkers(cdp, { replyTimeoutMs: 2000, onDetach: (sessionId) => void last.delete(sessionId) });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  type Usage = { usedSize: number; totalSize: number; backingStorageSize?: number };
  const mb = (b: number | undefined) => Math.round(((b ?? 0) / 2 ** 20) * 10) / 10;
  const heapOf = (name: string, u: Usage): IsolateHeap => ({ name, usedMB: mb(u.usedSize), totalMB: mb(u.totalSize), backingMB: mb(u.backingStorageSize) });
  let running = true;
  const loop = (async () => {
    while (running) {
      const reads: Array<Promise<void>> = [
        cdp.send('Runtime.getHeapUsage').then((u) => void last.set('page', heapOf('page', u)), () => undefined),
      ];
      for (const [sessionId, name] of workers)
        reads.push(send<Usage>(sessionId, 'Runtime.getHeapUsage').then((u) => void (workers.has(sessionId) && last.set(sessionId, heapOf(name, u))), () => undefined));
      await Promise.all(reads);
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    latest: () => [...last.values()],
    async stop() {
      running = false;
      await loop;
      await cdp.detach().catch(() => undefined);
    },
  };
}
