import type { Raster } from '../core/raster/raster.ts';
import { conservationError, type ConservationError, type ResidualMode } from '../core/raster/correct.ts';
import type { MethodId } from './method.ts';

/** What a staged run returns (`runDownscale`, pipeline/downscale.ts): per stage, its rasters or, streamed, its summary. */

/** Energy-conservation error of a fine field against its coarse input, in K. */
export interface EnergyError {
  /** max over valid coarse pixels of |block mean of fine - coarse| (K, linear block mean). */
  maxAbsK: number;
  /** mean over valid coarse pixels of the same (K). */
  meanAbsK: number;
  /** Number of coarse pixels that took part. */
  blocks: number;
}

/** |linear block mean(fine) - coarse| over valid coarse blocks with valid fine pixels (factor 2). */
export function energyError(fine: Float32Array, coarse: Raster): EnergyError {
  return asEnergy(conservationError(fine, coarse.data, coarse.width, coarse.height, 2, 'linear'));
}

export const asEnergy = (e: ConservationError): EnergyError => ({ maxAbsK: e.maxAbs, meanAbsK: e.meanAbs, blocks: e.blocks });

/** What every stage reports. */
export interface StageSummary {
  /** 1-based stage number. */
  stage: number;
  /** Wall time of the stage in seconds (fit + tiles + correction). */
  seconds: number;
  /** |block mean - input| after this stage's correction (or of the raw output when off). */
  energy: EnergyError;
  /** The same before the residual correction. */
  energyBeforeCorrection: EnergyError;
  tiles: number;
  skippedTiles: number;
  /** What a global method fitted (coefficients, samples), when it reports it. */
  fit?: Record<string, unknown>;
}

/** The result of one stage, with its rasters. */
export interface StageResult extends StageSummary {
  streamed?: undefined;
  /** LST in K on `scene.levels[stage].grid`, NaN where invalid; owned by the caller. */
  lst: Raster;
  /** Predicted standard deviation (K) of each output pixel, for methods with an uncertainty head (SRDA-Net v2). */
  sigma?: Raster;
}

/** A stage whose output went band by band to `DownscaleOptions.lastStageSink`: no rasters are kept. */
export interface StreamedStageResult extends StageSummary {
  streamed: true;
  /** The sink was given an uncertainty band. */
  hasSigma: boolean;
}

/** The result of a staged run. */
export interface DownscaleResult<S extends StageResult | StreamedStageResult = StageResult> {
  method: MethodId;
  methodLabel: string;
  residualCorrection: boolean;
  residualMode: ResidualMode;
  stages: S[];
  totalSeconds: number;
}
