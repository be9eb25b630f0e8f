import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(__dirname, '../../bin/srda-lst.js');

// `srda-lst batch DIR --list | head -1` closes the pipe while the CLI still writes: that is the
// reader's choice, not an error, so the CLI stops quietly instead of dying with a stack trace.
describe('srda-lst when its stdout is closed early', () => {
  it('exits 0 with nothing on stderr when the reader has gone before it writes', async () => {
    const child = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader goes away before the CLI has started
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
