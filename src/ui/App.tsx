import { DropZone } from './components/DropZone.tsx';
import { ErrorBox } from './components/ErrorBox.tsx';
import { ExportBar } from './components/ExportBar.tsx';
import { FileTable } from './components/FileTable.tsx';
import { Histograms } from './components/Histograms.tsx';
import { MetricsTable } from './components/MetricsTable.tsx';
import { RunPanel } from './components/RunPanel.tsx';
import { Scatter } from './components/Scatter.tsx';
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
      <RunPanel />
      <ErrorBox />
      <MapPanel />
      <section className="panel checks">
        <MetricsTable />
        <Scatter />
        <Histograms />
        <ExportBar />
      </section>
    </main>
  );
}
