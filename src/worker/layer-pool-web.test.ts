import { afterEach, describe, expect, it, vi } from 'vitest';
import { WGS84 } from '../core/geo/crs.ts';
import type { Raster } from '../core/raster/raster.ts';
import { serveLayers } from './layer-pool.ts';

/** A stand-in for the browser's Worker: serves layers on the other end of a MessageChannel; counts starts and ends. */
class FakeWorker {
  static started = 0;
  static ended = 0;
  static live: FakeWorker[] = [];
  private channel = new MessageChannel();
  private failures: Array<(e: { message: string }) => void> = [];
  constructor() {
    FakeWorker.started++;
    FakeWorker.live.push(this);
    const far = this.channel.port2;
    serveLayers({ postMessage: (m, t) => far.postMessage(m, t), onMessage: (h) => far.addEventListener('message', (e) => h(e.data)) });
    far.start();
    this.channel.port1.start();
  }
  postMessage(m: unknown, t: Transferable[]): void {
    this.channel.port1.postMessage(m, t);
  }
  addEventListener(type: string, h: (e: never) => void): void {
    if (type === 'message') this.channel.port1.addEventListener('message', h as (e: MessageEvent) => void);
    if (type === 'error') this.failures.push(h as (e: { message: string }) => void);
  }
  fail(): void {
    for (const h of this.failures) h({ message: 'the script failed' });
  }
  terminate(): void {
    FakeWorker.ended++;
    this.channel.port1.close();
    this.channel.port2.close();
  }
}

const raster: Raster = { width: 4, height: 4, transform: [90, 0.01, 0, 23, 0, -0.01], crs: WGS84, data: Float32Array.from({ length: 16 }, (_, i) => 300 + i) };

describe('keptLayerWorkers', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('starts the workers once for every run, ignores close, and starts them again once all have stopped', async () => {
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('navigator', { hardwareConcurrency: 2 });
    const { keptLayerWorkers } = await import('./layer-pool-web.ts');
    const first = keptLayerWorkers();
    expect(first.workers).toBe(2);
    const a = await first.make(raster, 'A');
    first.close();
    const second = keptLayerWorkers();
    const b = await second.make(raster, 'B');
    expect([FakeWorker.started, FakeWorker.ended]).toEqual([2, 0]);
    expect(b.stats).toEqual(a.stats);
    expect(Array.from(b.data)).toEqual(Array.from(raster.data));
    for (const w of FakeWorker.live) w.fail();
    expect(second.workers).toBe(0);
    const third = keptLayerWorkers();
    expect([third.workers, FakeWorker.started, FakeWorker.ended]).toEqual([2, 4, 2]);
    expect((await third.make(raster, 'C')).stats).toEqual(a.stats);
    for (const w of FakeWorker.live.slice(2)) w.terminate();
  });
});
