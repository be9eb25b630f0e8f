import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One fuzz case's outcome as the runner prints it (one JSON line per case). */
export interface CaseLine {
  index: number;
  outcome: 'ok' | 'app-error' | 'other' | 'hang';
  code?: string;
  message?: string;
  kind?: string;
  detail?: string;
  seedName?: string;
  ms?: number;
}

/**
 * Runs cases [from, to) of the fuzz `runner` script (e2e/fixtures) in a child process; a case that gives no answer within `caseMs` is a hang:
 * the child is killed and the run resumes after it. Sync infinite loops are caught this way too.
 */
export async function runFuzz(
  runner: string,
  seed: number,
  from: number,
  to: number,
  caseMs: number,
): Promise<CaseLine[]> {
  const lines: CaseLine[] = [];
  let next = from;
  while (next < to) {
    const start = next;
    await new Promise<void>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', runner, String(seed), String(start), String(to)],
        { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let buf = '';
      let hung = false;
      // The first case also pays for module loading.
      let timer = setTimeout(() => onHang(), caseMs + 30_000);
      const onHang = () => {
        hung = true;
        lines.push({ index: next, outcome: 'hang' });
        next++;
        child.kill('SIGKILL');
      };
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as CaseLine;
          buf = buf.slice(nl + 1);
          lines.push(line);
          next = line.index + 1;
          clearTimeout(timer);
          timer = setTimeout(() => onHang(), caseMs);
        }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        // A crash (not a kill for a hang) counts as a failure of the case it was on.
        if (!hung && code !== 0 && next < to) {
          lines.push({ index: next, outcome: 'other', message: `reader process exited with ${code}` });
          next++;
        }
        resolve();
      });
    });
  }
  return lines;
}
