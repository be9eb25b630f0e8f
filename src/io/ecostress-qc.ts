/**
 * ECOSTRESS L2 LSTE QC (v001/v002, 16 bits in an Int32 AppEEARS layer), per the product's
 * specification, table "Bit flags defined in the QC SDS":
 * - bits 0-1 mandatory QA: 0 produced, best quality; 1 produced, nominal quality; 2 produced, but
 *   cloud detected; 3 not produced (missing or bad data);
 * - bits 2-3 data quality: 0 good L1B data; 1 missing stripe pixel (filled); 2 not set; 3 missing or bad L1B data;
 * - bits 4-5 cloud/ocean: not set;
 * - bits 6-7 TES iterations; 8-9 atmospheric opacity; 10-11 MMD (information, no verdict);
 * - bits 12-13 emissivity accuracy: 0 > 0.02 (poor), 1 0.015-0.02, 2 0.01-0.015, 3 < 0.01;
 * - bits 14-15 LST accuracy: 0 > 2 K (poor), 1 1.5-2 K, 2 1-1.5 K, 3 < 1 K.
 */
export interface EcostressQcFields {
  mandatory: 'best' | 'nominal' | 'cloud' | 'not-produced';
  /** Bits 2-3: 0 good L1B data, 1 missing stripe pixel, 3 missing or bad L1B data. */
  dataQuality: number;
  /** Bits 14-15: upper bound of the LST error in K (Infinity for "> 2 K, poor"). */
  lstErrorMaxK: number;
}

const MANDATORY: EcostressQcFields['mandatory'][] = ['best', 'nominal', 'cloud', 'not-produced'];
const LST_ERR_K = [Number.POSITIVE_INFINITY, 2, 1.5, 1];

/** Decodes one ECOSTRESS L2 LSTE QC value (0..65535). */
export function decodeEcostressQcValue(qc: number): EcostressQcFields {
  return { mandatory: MANDATORY[qc & 3], dataQuality: (qc >> 2) & 3, lstErrorMaxK: LST_ERR_K[(qc >> 14) & 3] };
}

/** Whether a product short name (`Dataset.product`) is an ECOSTRESS LST product, whose QC this module decodes. */
export function isEcostressProduct(product: string | undefined): boolean {
  return /^ECO/i.test(product ?? '');
}

/**
 * A keep-mask (1 keep, 0 reject) from ECOSTRESS L2 LSTE QC values: rejected is what the product
 * itself marks bad: cloud detected or not produced (mandatory QA 2, 3), missing or bad L1B data
 * (data quality 3), and LST accuracy "poor" (> 2 K, as the MOD11 default keeps LST error <= 2 K).
 * "Nominal quality" and a filled stripe pixel are kept, as MOD11 "other quality" is. A value that is
 * no QC word (NaN, the layer's nodata -99999, outside 0..65535) counts as keep, so the LST's own
 * validity decides.
 */
export function decodeEcostressQc(qc: Float32Array): Uint8Array {
  const out = new Uint8Array(qc.length);
  for (let i = 0; i < qc.length; i++) {
    const v = qc[i];
    if (!(v >= 0 && v <= 0xffff && Number.isInteger(v))) {
      out[i] = 1;
      continue;
    }
    const mandatory = v & 3;
    out[i] = mandatory <= 1 && ((v >> 2) & 3) !== 3 && ((v >> 14) & 3) !== 0 ? 1 : 0;
  }
  return out;
}
