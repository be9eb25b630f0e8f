import { DROPPED } from '../state/actions.ts';
import { useAppState } from '../state/store.ts';
import { ExportBar } from './ExportBar.tsx';
import { Histograms } from './Histograms.tsx';
import { MetricsTable } from './MetricsTable.tsx';
import { Scatter } from './Scatter.tsx';
import { TrustPanel } from './TrustPanel.tsx';

/** Closed-loop metrics, scatter, histograms and exports; hidden until there is a result. */
export function ChecksPanel() {
  const hasResult = useAppState((s) => s.layers.some((l) => l.id !== DROPPED) || s.metrics.length > 0);
  if (!hasResult) return null;
  return (
    <section className="panel checks">
      <TrustPanel />
      <MetricsTable />
      <Scatter />
      <Histograms />
      <ExportBar />
    </section>
  );
}
