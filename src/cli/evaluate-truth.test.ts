import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { loadDataset } from './load.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';

const DATA = path.resolve(__dirname, '../../../shared/data');
const PARA = path.join(DATA, 'landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02');
const PAIR = path.join(DATA, 'modis-aster-h18v04-sifcnnsr/0');
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-eval-truth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const printed = capturePrinted();

/** The Para thermal band block-averaged by `f` (30 m -> 30f m), written once; its path. */
async function paraBt(f: number): Promise<string> {
  const file = path.join(tmp, `para_bt_${30 * f}m.tif`);
  if (!existsSync(file)) {
    const bt = (await loadDataset(`${PARA}_B6.TIF`)).bands[0].raster;
    writeFileSync(file, writeGeoTiff([{ raster: aggregateMean(bt, f, { maxInvalidFraction: 0 }), units: 'K' }]));
  }
  return file;
}

/** evaluate's truth section (JSON, the file left out) and the table's lines under 'against'. */
async function evaluateTruth(argv: string[]): Promise<{ truth: Record<string, unknown>; lines: string[] }> {
  expect(await main(['evaluate', ...argv, '--json', '-q']), printed.err).toBe(0);
  const { file: _file, ...truth } = JSON.parse(printed.out).truth as Record<string, unknown>;
  printed.out = '';
  expect(await main(['evaluate', ...argv, '-q']), printed.err).toBe(0);
  const table = printed.out.split('\n');
  const at = table.findIndex((l) => l.startsWith('against '));
  printed.out = '';
  return { truth, lines: table.slice(at, table.length - 1) };
}

// The numbers evaluate --truth printed before its scores were folded into one pass (commit 4e278c5).
describe('evaluate --truth prints the same scores from one pass over each output', () => {
  it.skipIf(!existsSync(`${PARA}_B6.TIF`))('Landsat 5 Para: the thermal band at 120 m downscaled to 30 m, against the band at 30 m', async () => {
    const { truth, lines } = await evaluateTruth(['--lst', await paraBt(4), '--red', `${PARA}_B3.TIF`, '--nir', `${PARA}_B4.TIF`, '--truth', `${PARA}_B6.TIF`, '--methods', 'bicubic,tsharp']);
    expect(truth).toEqual(PARA_TRUTH);
    expect(lines).toEqual([`against ${PARA}_B6.TIF (detail: each pixel minus its input pixel's mean, against the truth's):`, ...PARA_LINES]);
  }, 60_000);

  it.skipIf(!existsSync(PAIR))('MODIS MOD21A1D at 1 km downscaled to 232 m against ASTER at 250 m (two sensors: a mean difference)', async () => {
    const { truth, lines } = await evaluateTruth(['--lst', path.join(PAIR, 'MOD21A1D_LST_1km.tif'), '--ndvi', path.join(PAIR, 'MOD09GQ_NDVI_250m.tif'), '--truth', path.join(PAIR, 'ASTER_LST_250m.tif'), '--methods', 'tsharp,bicubic']);
    expect(truth).toEqual(ASTER_TRUTH);
    expect(lines).toEqual([`against ${path.join(PAIR, 'ASTER_LST_250m.tif')} (detail: each pixel minus its input pixel's mean, against the truth's):`, ...ASTER_LINES]);
  }, 60_000);
});

const PARA_TRUTH = {"band": "B6", "methods": [{"method": "bicubic", "pixelSizeM": 30, "truthOnOutput": "resampled", "scores": {"rmseK": 0.151, "maeK": 0.1153, "biasK": 0, "r2": 0.9612, "r": 0.9804, "ssim": 0.8431, "n": 87472}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.151, "detailRmseK": 0.151, "detailCorr": 0.7578, "detailPixels": 87472, "truthDetailSdK": 0.2262}}, {"method": "tsharp", "pixelSizeM": 30, "truthOnOutput": "resampled", "scores": {"rmseK": 0.1698, "maeK": 0.1288, "biasK": 0, "r2": 0.9509, "r": 0.9752, "ssim": 0.8119, "n": 87472}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.1698, "detailRmseK": 0.1698, "detailCorr": 0.6669, "detailPixels": 87472, "truthDetailSdK": 0.2262}}]};
const PARA_LINES = ["bicubic  RMSE 0.151 K (0.151 K without the mean difference 0 K), SSIM 0.8431, detail RMSE 0.151 K, detail correlation 0.7578", "tsharp   RMSE 0.1698 K (0.1698 K without the mean difference 0 K), SSIM 0.8119, detail RMSE 0.1698 K, detail correlation 0.6669"];
const ASTER_TRUTH = {"band": "ASTER_LST_250m", "methods": [{"method": "tsharp", "pixelSizeM": 231.66, "truthOnOutput": "resampled", "scores": {"rmseK": 2.2408, "maeK": 1.7661, "biasK": -1.3231, "r2": 0.7183, "r": 0.9043, "ssim": 0.5069, "n": 61887}, "detail": {"biasK": -1.3231, "offsetFreeRmseK": 1.8085, "detailRmseK": 1.4573, "detailCorr": 0.4157, "detailPixels": 61575, "truthDetailSdK": 1.1603}}, {"method": "bicubic", "pixelSizeM": 231.66, "truthOnOutput": "resampled", "scores": {"rmseK": 1.9956, "maeK": 1.59, "biasK": -1.3237, "r2": 0.7766, "r": 0.9371, "ssim": 0.559, "n": 61887}, "detail": {"biasK": -1.3237, "offsetFreeRmseK": 1.4934, "detailRmseK": 1.0421, "detailCorr": 0.4398, "detailPixels": 61575, "truthDetailSdK": 1.1603}}]};
const ASTER_LINES = ["tsharp   RMSE 2.2408 K (1.8085 K without the mean difference -1.3231 K), SSIM 0.5069, detail RMSE 1.4573 K, detail correlation 0.4157", "bicubic  RMSE 1.9956 K (1.4934 K without the mean difference -1.3237 K), SSIM 0.559, detail RMSE 1.0421 K, detail correlation 0.4398"];
