import { ChecksPanel } from './components/ChecksPanel.tsx';
import { DropZone } from './components/DropZone.tsx';
import { ErrorBox } from './components/ErrorBox.tsx';
import { FileTable } from './components/FileTable.tsx';
import { RunPanel } from './components/RunPanel.tsx';
import { ScenePanel } from './components/ScenePanel.tsx';
import { StaleBanner } from './components/StaleBanner.tsx';
import { MapPanel } from './map/MapPanel.tsx';
import './app.css';

/** The page: ingest, run, map, checks, export. Composition only. */
export function App() {
  return (
    <main>
      <header>
        <h1>srda-lst</h1>
        <p className="muted">MODIS land surface temperature from 1 km to 500 m and 250 m, on your machine.</p>
      </header>
      <DropZone />
      <FileTable />
      <ScenePanel />
      <RunPanel />
      <ErrorBox />
      <StaleBanner />
      <MapPanel />
      <ChecksPanel />
    </main>
  );
}
