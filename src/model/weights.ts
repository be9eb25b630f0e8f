import * as tf from '@tensorflow/tfjs-core';
import { AppError, toAppError } from '../core/errors.ts';
import { LST_SCALE_K, NORM_WINDOW_PX } from './inputs.ts';
import { layerSpecs, MODEL_AUX, splitFuseWeights, type SrdaConfig, type SrdaParams } from './srda-net.ts';

/** The `model.json` of SRDA-Net weights (tfjs weights-manifest format plus our own fields). */
export interface SrdaModelJson {
  format: 'srda-net';
  version: 1;
  /** Size name ('tiny' | 'small' | 'base') or 'custom'. */
  size: string;
  config: SrdaConfig;
  /** Auxiliary channel order the weights expect. */
  modelAux: string[];
  lstScaleK: number;
  normWindowPx: number;
  /**
   * Factor on the uncertainty head's standard deviation, fitted after training so that 68 % of
   * held-in errors fall inside 1 sigma (scripts/calibrate-sigma.ts); absent = 1.
   */
  sigmaScale?: number;
  /** Free-form provenance: training command, steps, data, date. */
  training?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Where to load weights from: a URL of `model.json` (shards beside it) or bytes already read. */
export type SrdaWeightsSource = { url: string } | { modelJson: SrdaModelJson | string; weightData: ArrayBuffer };

/**
 * Loaded SRDA-Net weights. Opaque outside model/: pass it to `runSrda` / the fine-tuner.
 * Owns its tensors until `dispose()`.
 */
export interface SrdaModel {
  readonly size: string;
  readonly config: SrdaConfig;
  readonly meta: SrdaModelJson;
  /** @internal tensors by layer name; only model/ reads them. */
  readonly params: SrdaParams;
  /** @internal `params` plus the fuse layers' weights cut per part (`splitFuseWeights`), for inference. */
  readonly inferParams: SrdaParams;
  dispose(): void;
}

/**
 * Wraps weight tensors (e.g. a trainer's variables, cloned) as an `SrdaModel`; takes ownership.
 * The weights are fixed from here on (inference reads copies of the fuse layers' parts).
 */
export function createSrdaModel(config: SrdaConfig, size: string, params: SrdaParams, meta?: SrdaModelJson): SrdaModel {
  const parts = splitFuseWeights(params);
  return {
    size,
    config,
    meta: meta ?? { format: 'srda-net', version: 1, size, config, modelAux: [...MODEL_AUX], lstScaleK: LST_SCALE_K, normWindowPx: NORM_WINDOW_PX, weightsManifest: [] },
    params,
    inferParams: { ...params, ...parts },
    dispose: () => tf.dispose([...Object.values(params), ...Object.values(parts)]),
  };
}

/** Serialises named tensors (weights) into model.json fields + one binary shard `weights.bin`. */
export async function encodeSrdaWeights(
  config: SrdaConfig,
  size: string,
  named: tf.NamedTensorMap,
  training?: Record<string, unknown>,
  shardName = 'weights.bin',
): Promise<{ modelJson: SrdaModelJson; weightData: ArrayBuffer }> {
  const { data, specs } = await tf.io.encodeWeights(named);
  return {
    modelJson: {
      format: 'srda-net',
      version: 1,
      size,
      config,
      modelAux: [...MODEL_AUX],
      lstScaleK: LST_SCALE_K,
      normWindowPx: NORM_WINDOW_PX,
      ...(training ? { training } : {}),
      weightsManifest: [{ paths: [shardName], weights: specs }],
    },
    weightData: data as ArrayBuffer,
  };
}

/** Decodes every tensor of a weights file (weights, and for checkpoints optimiser slots too). */
export function decodeSrdaTensors(modelJson: SrdaModelJson, weightData: ArrayBuffer): tf.NamedTensorMap {
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  return tf.io.decodeWeights(weightData, specs);
}

function parseJson(j: SrdaModelJson | string): SrdaModelJson {
  const m = typeof j === 'string' ? (JSON.parse(j) as SrdaModelJson) : j;
  if (m.format !== 'srda-net' || !m.config || !Array.isArray(m.weightsManifest)) {
    throw new AppError('MODEL_LOAD_FAILED', 'model.json is not an SRDA-Net weights file (format "srda-net" expected).');
  }
  if (m.modelAux.join(',') !== MODEL_AUX.join(',') || m.lstScaleK !== LST_SCALE_K || m.normWindowPx !== NORM_WINDOW_PX) {
    throw new AppError('MODEL_LOAD_FAILED', `model.json expects inputs [${m.modelAux}] / scale ${m.lstScaleK} K / window ${m.normWindowPx}, this build feeds [${MODEL_AUX}] / ${LST_SCALE_K} K / ${NORM_WINDOW_PX}: retrain or update the app.`);
  }
  return m;
}

async function fetchSource(url: string): Promise<{ modelJson: SrdaModelJson; weightData: ArrayBuffer }> {
  const res = await fetch(url);
  if (!res.ok) throw new AppError('MODEL_LOAD_FAILED', `Could not fetch ${url}: HTTP ${res.status}.`);
  const modelJson = parseJson((await res.json()) as SrdaModelJson);
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  const parts: ArrayBuffer[] = [];
  for (const p of modelJson.weightsManifest.flatMap((g) => g.paths)) {
    const r = await fetch(base + p);
    if (!r.ok) throw new AppError('MODEL_LOAD_FAILED', `Could not fetch weight shard ${base + p}: HTTP ${r.status}.`);
    parts.push(await r.arrayBuffer());
  }
  return { modelJson, weightData: tf.io.concatenateArrayBuffers(parts) };
}

/**
 * Loads SRDA-Net weights (tfjs weights-manifest format). In the browser pass `{url}` of model.json;
 * in Node the CLI reads model.json and the concatenated shards and passes the bytes.
 * Throws MODEL_LOAD_FAILED naming what is wrong. The caller owns the result (`dispose()`).
 */
export async function loadSrdaWeights(source: SrdaWeightsSource): Promise<SrdaModel> {
  let json: SrdaModelJson;
  let data: ArrayBuffer;
  try {
    if ('url' in source) ({ modelJson: json, weightData: data } = await fetchSource(source.url));
    else {
      json = parseJson(source.modelJson);
      data = source.weightData;
    }
  } catch (e) {
    throw toAppError(e, 'MODEL_LOAD_FAILED', 'Loading SRDA-Net weights failed');
  }
  let all: tf.NamedTensorMap;
  try {
    all = decodeSrdaTensors(json, data);
  } catch (e) {
    throw toAppError(e, 'MODEL_LOAD_FAILED', `SRDA-Net weight data does not match model.json (${data.byteLength} bytes)`);
  }
  const params: SrdaParams = {};
  const problems: string[] = [];
  for (const l of layerSpecs(json.config)) {
    for (const [key, shape] of [
      [`${l.name}/w`, [l.k, l.k, l.cin, l.cout]],
      [`${l.name}/b`, [l.cout]],
    ] as const) {
      const t = all[key];
      if (!t || t.shape.join('x') !== shape.join('x')) problems.push(`${key} ${t ? t.shape.join('x') : 'missing'} (want ${shape.join('x')})`);
      else params[key] = t;
    }
  }
  for (const [k, t] of Object.entries(all)) if (params[k] !== t) t.dispose();
  if (problems.length > 0) {
    tf.dispose(Object.values(params));
    throw new AppError('MODEL_LOAD_FAILED', `SRDA-Net weights do not fit the architecture: ${problems.slice(0, 3).join('; ')}.`);
  }
  return createSrdaModel(json.config, json.size, params, json);
}
