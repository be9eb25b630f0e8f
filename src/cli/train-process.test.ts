import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/srda-lst.js');

// Run as users run it (node bin/srda-lst.js): Node resolves the tfjs packages to their Node bundles,
// which Vitest's resolver does not, and training once broke there only ("x.reshape is not a function").
describe('srda-lst train in its own Node process', () => {
  it('trains a few steps on synthetic scenes and writes weights and a checkpoint', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'srda-train-'));
    try {
      const { stderr } = await run(process.execPath, [BIN, 'train', '--out', out, '--size', 'tiny', '--steps', '3', '--data', 'synth', '--batch', '2', '--patch', '16', '--val-every', '100', '--checkpoint-every', '100'], { timeout: 240_000 });
      expect(stderr).not.toMatch(/internal error/);
      const ckpt = JSON.parse(await readFile(path.join(out, 'checkpoint.json'), 'utf8')) as { training?: { step?: number } };
      expect(ckpt.training?.step).toBe(3);
      const loss = (await readFile(path.join(out, 'loss.csv'), 'utf8')).trim().split('\n');
      expect(loss).toHaveLength(4); // header + 3 steps
      expect(loss.slice(1).every((l) => Number.isFinite(Number(l.split(',')[1])))).toBe(true);
      // Resumed from the checkpoint alone (its loss.csv not copied along): a fresh log with its header.
      await rm(path.join(out, 'loss.csv'));
      await run(process.execPath, [BIN, 'train', '--out', out, '--size', 'tiny', '--steps', '5', '--data', 'synth', '--batch', '2', '--patch', '16', '--val-every', '100', '--checkpoint-every', '100', '--resume'], { timeout: 240_000 });
      const resumed = (await readFile(path.join(out, 'loss.csv'), 'utf8')).trim().split('\n');
      expect(resumed[0]).toBe(loss[0]);
      expect(resumed.slice(1).map((l) => l.split(',')[0])).toEqual(['4', '5']); // steps are logged 1-based, after the update
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
