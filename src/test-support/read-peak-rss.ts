/**
 * Child process of the decompression-bomb tests: reads one raster with the CLI's reader and prints
 * one JSON line with the outcome and the process's peak resident memory (MB).
 * usage: node --import tsx src/test-support/read-peak-rss.ts FILE
 */
import { loadDataset } from '../cli/load.ts';
import { nodeReadCodec } from '../cli/read-workers.ts';
import { isAppError } from '../core/errors.ts';
import { setDeflateCodec } from '../io/deflate-codec.ts';

// As `srda-lst` does: Deflate blocks decoded on the read workers with native zlib (bounded by maxOutputLength).
setDeflateCodec(nodeReadCodec);

const file = process.argv[2];
let line: Record<string, unknown>;
try {
  const ds = await loadDataset(file);
  line = { outcome: 'read', width: ds.width, height: ds.height, samples: ds.bands[0].raster.data.length };
} catch (e) {
  line = isAppError(e) ? { outcome: 'app-error', code: e.code, message: e.message } : { outcome: 'other', message: String(e) };
}
process.stdout.write(`${JSON.stringify({ ...line, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
