import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'srda-train-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('srda-lst train refusals', () => {
  const printed = capturePrinted();

  it('prints its usage for --help and exits 0', async () => {
    expect(await main(['train', '--help'])).toBe(0);
    expect(printed.out).toMatch(/^Usage: srda-lst train --out DIR /);
    expect(printed.err).toBe('');
  });

  it('refuses an unknown option in one line that points to --help', async () => {
    expect(await main(['train', '--scale', '2', '--out', path.join(tmp, 'x')])).toBe(1);
    expect(printed.err).toBe("srda-lst train: BAD_ARGUMENT: Unknown option '--scale'. Run with --help for the options.\n");
  });

  it('refuses real data from a --data-dir that is not there in one line naming it, not an internal error', async () => {
    const dir = path.join(tmp, 'no-data');
    expect(await main(['train', '--out', path.join(tmp, 'out'), '--steps', '1', '--data', 'real', '--data-dir', dir])).toBe(1);
    expect(printed.err).toBe(`srda-lst train: BAD_ARGUMENT: ${dir}: no such folder: --data real reads its scenes from --data-dir (default ../shared/data); pass the folder that holds them.\n`);
    expect(printed.out).toBe('');
  });

  it('refuses a --data-dir without any known scene once every scene is skipped, naming it, not an internal error', async () => {
    expect(await main(['train', '--out', path.join(tmp, 'out'), '--size', 'tiny', '--steps', '1', '--data', 'real', '--data-dir', tmp])).toBe(1);
    expect(printed.err).toBe(`srda-lst train: BAD_ARGUMENT: ${tmp}: no training pairs: every scene of --data real was skipped (see the log above). Pass --data-dir the folder that holds the scenes, or add synth to --data.\n`);
    expect(printed.out).toMatch(/real pairs: 0 \(none\)/);
  }, 60_000);

  it('refuses a --chain-teacher folder without weights in one line naming its model.json', async () => {
    const dir = path.join(tmp, 'no-teacher');
    expect(await main(['train', '--out', path.join(tmp, 'out'), '--size', 'tiny', '--steps', '1', '--data', 'synth', '--chain-teacher', dir])).toBe(1);
    expect(printed.err).toMatch(new RegExp(`^srda-lst train: MODEL_LOAD_FAILED: ${path.join(dir, 'model.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Cannot read SRDA-Net weights: no such file\\. `));
    expect(printed.err.split('\n').length).toBe(2);
  }, 60_000);

  it('refuses a --distill-weight outside (0, 1] in one line, before loading anything', async () => {
    for (const w of ['0', '1.5', 'x']) {
      expect(await main(['train', '--out', path.join(tmp, 'out'), '--steps', '1', '--data', 'synth', '--distill', path.join(tmp, 'none'), '--distill-weight', w])).toBe(1);
      expect(printed.err).toBe(w === 'x' ? "srda-lst train: BAD_ARGUMENT: --distill-weight needs a number, got 'x'.\n" : `srda-lst train: BAD_ARGUMENT: --distill-weight must be a share in (0, 1], got ${w}.\n`);
      printed.err = '';
    }
  });
});
