import { afterEach, beforeEach, vi } from 'vitest';

/** What the CLI printed so far in the running test; a test may empty either between two commands. */
export interface PrintedOutput {
  out: string;
  err: string;
}

/**
 * Captures the CLI's stdout and stderr in every test of the enclosing `describe` (or file): each
 * test starts with both empty, nothing reaches the terminal, and the spies are restored after it.
 * Read `printed.out` / `printed.err` after the command ran; they grow as it writes.
 */
export function capturePrinted(): PrintedOutput {
  const printed: PrintedOutput = { out: '', err: '' };
  beforeEach(() => {
    printed.out = '';
    printed.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((printed.out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((printed.err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  return printed;
}
