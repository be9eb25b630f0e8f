import { cancelExport } from '../state/exports.ts';
import { useAppState, type ExportState } from '../state/store.ts';
import { ProgressLine } from './ProgressBar.tsx';

/** The export in progress beside the control that started it: its progress line and Cancel. */
export function ExportProgress({ kind, layerId }: Pick<ExportState, 'kind' | 'layerId'>) {
  const exporting = useAppState((s) => s.exporting);
  if (!exporting || exporting.kind !== kind || exporting.layerId !== layerId) return null;
  const isCancelling = exporting.progress.stage.startsWith('Cancelling');
  return (
    <div className="export-progress" data-testid="export-progress" data-file={exporting.fileName}>
      <ProgressLine p={exporting.progress} testId="export-progress-bar" />
      <button type="button" data-testid="export-cancel" disabled={isCancelling} onClick={cancelExport}>
        Cancel
      </button>
    </div>
  );
}
