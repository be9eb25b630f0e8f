import { useEffect, useState } from 'react';
import { readingText } from '../progress-text.ts';
import { cancelIngest, ingestFiles, loadDemo } from '../state/actions.ts';
import { useAppState } from '../state/store.ts';

/** Accepts files dropped anywhere on the page, and offers a picker and the demo scene. */
export function DropZone() {
  const [isOver, setIsOver] = useState(false);
  const isIngesting = useAppState((s) => s.isIngesting);
  const isCancelling = useAppState((s) => s.isIngestCancelling);
  const reading = readingText(useAppState((s) => s.readingFiles));

  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setIsOver(true);
    };
    const onLeave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setIsOver(false);
    };
    const onOver = (e: DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setIsOver(false);
      void ingestFiles(Array.from(e.dataTransfer?.files ?? []));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);

  return (
    <section className="panel drop">
      <p>
        Drop GeoTIFFs, LAADS .hdf or AppEEARS .nc files anywhere on the page (MODIS LST + NDVI or red/NIR,
        optional DEM, albedo, QC), or{' '}
        <label className="button">
          choose files
          <input
            type="file"
            data-testid="file-input"
            multiple
            accept=".tif,.tiff,image/tiff,.hdf,.nc,.nc4,.h5"
            onChange={(e) => {
              const files = Array.from(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              void ingestFiles(files);
            }}
          />
        </label>{' '}
        or{' '}
        <button type="button" data-testid="demo" onClick={() => void loadDemo()}>
          load the demo scene
        </button>
        {isIngesting && (
          <>
            {' '}
            <span className="reading" data-testid="reading" title={reading.title}>
              <span className="muted">{isCancelling ? 'cancelling the read of' : 'reading'}</span>
              {/* The "…" is inside: a name cut short ends in the cut's ellipsis alone. */}
              <span className="muted what" data-testid="reading-what">{`${reading.what}…`}</span>
              <button type="button" data-testid="ingest-cancel" disabled={isCancelling} onClick={cancelIngest}>
                Cancel
              </button>
            </span>
          </>
        )}
      </p>
      {isOver && <div className="drop-overlay">Drop to add the files</div>}
    </section>
  );
}
