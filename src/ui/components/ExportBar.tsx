import { captureMapPng } from '../map/registry.ts';
import { download, exportZip } from '../state/actions.ts';
import { store, useAppState } from '../state/store.ts';

async function exportPng(): Promise<void> {
  const png = await captureMapPng();
  if (png) download(png, 'srda-lst-map.png', 'image/png');
  else store.set({ error: { code: 'WRITE_FAILED', message: 'No map is shown to capture.' } });
}

/** PNG of the map view and a ZIP of every layer plus report.json. */
export function ExportBar() {
  const hasLayers = useAppState((s) => s.layers.length > 0);
  if (!hasLayers) return null;
  return (
    <div className="export-bar">
      <button type="button" data-testid="export-png" onClick={() => void exportPng()}>
        Map view (PNG)
      </button>
      <button
        type="button"
        data-testid="export-zip"
        onClick={() => void captureMapPng().then((png) => exportZip(png))}
      >
        Everything (ZIP + report.json)
      </button>
    </div>
  );
}
