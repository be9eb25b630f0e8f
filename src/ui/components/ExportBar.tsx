import { sharedRanges } from '../layer-math.ts';
import { captureMapPng, type PngCaption } from '../map/png-export.ts';
import { download, exportZip } from '../state/actions.ts';
import { store, useAppState } from '../state/store.ts';
import { ExportProgress } from './ExportProgress.tsx';

/** Title, colour range, units and attribution of the map as shown. */
function caption(): PngCaption {
  const s = store.get();
  const shown = s.layers.filter((l) => s.visible[l.id]);
  // The last run's result names the map (the map draws it above a layer an earlier run left).
  const top = shown.find((l) => l.kind === 'output' && !s.earlierLayerIds.includes(l.id)) ?? shown.find((l) => l.kind === 'output') ?? shown[0];
  const scene = s.resultScene ? `${s.resultScene.product ?? s.resultScene.lstName} ${s.resultScene.date ?? ''}`.trim() : '';
  const synthetic = s.syntheticIds.length > 0 && s.resultInputs.some((i) => s.syntheticIds.includes(i.id));
  return {
    title: [synthetic ? 'SYNTHETIC DEMO' : '', scene, top?.label ?? ''].filter(Boolean).join(' · '),
    colormap: s.colormap,
    rangeK: sharedRanges(s.layers).lst,
    unit: s.unit,
    attribution: `srda-lst · basemap ${s.onlineBasemap ? '© OpenStreetMap contributors' : 'Natural Earth (public domain)'}`,
  };
}

async function exportPng(): Promise<void> {
  const png = await captureMapPng(caption());
  const tag = store.get().resultScene?.tag;
  if (png) download(png, `${tag ?? 'srda-lst'}_map.png`, 'image/png');
  else store.set({ error: { code: 'WRITE_FAILED', message: 'No map is shown to capture.' } });
}

/** PNG of the map view and a ZIP of every layer plus report.json. */
export function ExportBar() {
  const hasLayers = useAppState((s) => s.layers.length > 0);
  const isExporting = useAppState((s) => s.exporting !== undefined);
  if (!hasLayers) return null;
  return (
    <div className="export-bar">
      <button type="button" data-testid="export-png" onClick={() => void exportPng()}>
        Map view (PNG)
      </button>
      <button
        type="button"
        data-testid="export-zip"
        disabled={isExporting}
        title={isExporting ? 'An export is in progress: wait for it or cancel it' : undefined}
        onClick={() => void exportZip(() => captureMapPng(caption()))}
      >
        Everything (ZIP + report.json)
      </button>
      <ExportProgress kind="zip" />
    </div>
  );
}
