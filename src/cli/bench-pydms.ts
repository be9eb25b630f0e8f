import { spawn } from 'node:child_process';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { BENCH_FILE_NAMES } from '../../bench/fixtures.ts';

/** pyDMS on the benchmark scene, from `bench/pydms-run.py`. */
export interface PydmsTiming {
  /** Wall time of training, sharpening, residual correction and writing, s (Python's own clock). */
  seconds: number;
  /** The Python process's max resident set, MB. */
  peakMemoryMB: number;
  /** seconds / the Node full-tile run's total in the same bench run (> 1: pyDMS is slower). */
  ratioToSrda?: number;
  /** peakMemoryMB / the Node full-tile peak. */
  memoryRatioToSrda?: number;
  /** How it was run, for the report. */
  how: string;
}

/**
 * Runs pyDMS (an external checkout at `pydmsDir`, never part of this project) on the bench scene in
 * `sceneDir` with Debian's Python, through `bench/pydms-run.py`. Throws BAD_ARGUMENT when the
 * checkout or its Python dependencies are missing, naming what to install.
 */
export function runPydms(pydmsDir: string, sceneDir: string, repoRoot: string, outDir: string): Promise<PydmsTiming> {
  const python = '/usr/bin/python3';
  const script = path.join(repoRoot, 'bench/pydms-run.py');
  const args = [script, pydmsDir, sceneDir, BENCH_FILE_NAMES.lst, BENCH_FILE_NAMES.ndvi, BENCH_FILE_NAMES.dem, outDir];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new AppError('BAD_ARGUMENT', `cannot start ${python}: ${e.message}`)));
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        return reject(
          new AppError(
            'BAD_ARGUMENT',
            `pyDMS in ${pydmsDir} did not run (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}. ` +
              'It needs a pyDMS checkout and apt-get install python3-gdal python3-sklearn python3-numba python3-pyproj.',
          ),
        );
      const r = JSON.parse(line) as { seconds: number; peakMemoryMB: number };
      resolve({
        seconds: r.seconds,
        peakMemoryMB: r.peakMemoryMB,
        how: `pyDMS DecisionTreeSharpener with its template settings (bagged trees, per-leaf linear regression, 15-pixel window, residual correction), 1 km -> 250 m in one step, ${python} ${path.relative(repoRoot, script)}`,
      });
    });
  });
}
