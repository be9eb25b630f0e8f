import { isAppError } from '../core/errors.ts';
import { setDeflateCodec } from '../io/deflate-codec.ts';
import { closeIdleReadWorkers, nodeReadCodec } from './read-workers.ts';
import { terminalSafe } from './terminal.ts';

/** A CLI command: takes its own argv (after the command name), returns the exit code. */
export type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  batch: {
    summary:
      'every date of a folder or manifest (resumable, --jobs N, --list/--index for Kubernetes Indexed Jobs and AWS Batch arrays)',
    load: async () => (await import('./batch.ts')).batchCommand,
  },
  bench: {
    summary:
      'speed and memory: SRDA-Net per tile on each backend, full MODIS tile pipeline, baselines (bench/results.md)',
    load: async () => (await import('./bench.ts')).benchCommand,
  },
  downscale: {
    summary: 'downscale LST stage by stage onto the auxiliary grid (GeoTIFFs + report.json)',
    load: async () => (await import('./downscale.ts')).downscaleCommand,
  },
  evaluate: {
    summary: 'closed-loop metrics per method on your scene (RMSE, MAE, bias, R2, r, SSIM)',
    load: async () => (await import('./evaluate.ts')).evaluateCommand,
  },
  info: {
    summary:
      'JSON per GeoTIFF/HDF grid/NetCDF date: role, size, pixel size, CRS, nodata, scale, valid fraction',
    load: async () => (await import('./info.ts')).infoCommand,
  },
  train: {
    summary: 'train SRDA-Net (wasm backend; see models/srda-net/card.md)',
    load: async () => (await import('./train.ts')).trainCommand,
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['Usage: srda-lst <command> [options]', '', 'Commands:', ...lines].join('\n');
}

/** Entry point of `srda-lst`. Returns the process exit code; bad input prints one line to stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`srda-lst: unknown command '${terminalSafe(name)}'. Run 'srda-lst --help' for the list.\n`);
    return 2;
  }
  // Deflate inputs and outputs through native zlib on the thread pool, not JavaScript on this thread,
  // and GeoTIFF blocks read and decoded on read workers.
  setDeflateCodec(nodeReadCodec);
  try {
    return await (
      await command.load()
    )(rest);
  } catch (e) {
    if (isAppError(e)) {
      // The file once: most messages name it themselves (batch prints them without `file`).
      const where = e.file && !e.message.includes(e.file) ? `${e.file}: ` : '';
      process.stderr.write(`srda-lst ${name}: ${e.code}: ${terminalSafe(`${where}${e.message}`)}\n`);
      return 1;
    }
    process.stderr.write(`srda-lst ${name}: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    return 70;
  } finally {
    // Read workers started ahead of the reads wait up to 30 s for the first; a command that ends
    // before it reads (bad input) must not wait for them: the process exits with its message.
    closeIdleReadWorkers();
  }
}
