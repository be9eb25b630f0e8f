import { describe, expect, it } from 'vitest';
import { webStreamsCodec } from '../io/deflate-codec.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { writeGeoTiffAsync } from '../io/geotiff-write.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { exportLayerGeoTiff } from './export.ts';
import { beginSceneLayers, clearLayers, makeLayer, type LayerMeta } from './layers.ts';
import { withJsDeflate } from './web-deflate.ts';

const DHAKA_LST = ['dhaka-mod11a2-mod13q1-2024-citypath', 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];

describe.skipIf(!hasData(...DHAKA_LST))('GeoTIFF export of a layer', () => {
  it("writes uncertainty layers with the run-length Deflate and others with floatDeflate, the same values", async () => {
    const lst = await readBand(dataPath(...DHAKA_LST));
    const meta = (id: string, kind: LayerMeta['kind']): LayerMeta => ({ id, label: id, kind, stage: 1, isFinal: true, pixelSizeM: 1000, fileStem: id });
    clearLayers();
    beginSceneLayers('dhaka');
    makeLayer(meta('lst-1000m', 'output'), lst, []);
    makeLayer(meta('sigma-1000m', 'uncertainty'), lst, []);
    try {
      const codec = withJsDeflate(webStreamsCodec);
      for (const [id, strategy] of [
        ['lst-1000m', undefined],
        ['sigma-1000m', 'rle'],
      ] as const) {
        const { fileName, file } = await exportLayerGeoTiff(id);
        expect(fileName).toBe(`${id}.tif`);
        const bytes = new Uint8Array(await file.arrayBuffer());
        const metadata = { SRDA_LAYER: id, SRDA_APP: 'srda-lst web' };
        const expected = await writeGeoTiffAsync([{ raster: lst, name: id, units: 'K' }], { metadata, codec, ...(strategy ? { strategy } : {}) });
        expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
        const back = (await readGeoTiff(bytes.slice().buffer, fileName)).bands[0].raster;
        expect(back.data.every((v, i) => (Number.isNaN(v) ? Number.isNaN(lst.data[i]) : v === lst.data[i]))).toBe(true);
      }
      const plain = await writeGeoTiffAsync([{ raster: lst, name: 'sigma-1000m', units: 'K' }], { metadata: { SRDA_LAYER: 'sigma-1000m', SRDA_APP: 'srda-lst web' }, codec: webStreamsCodec });
      const sigma = new Uint8Array(await (await exportLayerGeoTiff('sigma-1000m')).file.arrayBuffer());
      expect(Buffer.from(sigma).equals(Buffer.from(plain))).toBe(false);
    } finally {
      clearLayers();
    }
  });
});
