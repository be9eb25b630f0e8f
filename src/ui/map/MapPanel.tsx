import { DROPPED } from '../state/actions.ts';
import { useAppState } from '../state/store.ts';
import { DateSlider } from '../components/DateSlider.tsx';
import { LayerList } from '../components/LayerList.tsx';
import { Legend } from '../components/Legend.tsx';
import { MapControls } from '../components/MapControls.tsx';
import { Inspector } from '../components/Inspector.tsx';
import { CompareView } from './CompareView.tsx';
import { MapView } from './MapView.tsx';

/** The map area: controls, the map (or the two compare maps), legend, layer list and inspector. */
export function MapPanel() {
  const compare = useAppState((s) => s.compare);
  const visible = useAppState((s) => s.visible);
  const layers = useAppState((s) => s.layers);
  const shownIds = layers.filter((l) => visible[l.id]).map((l) => l.id);
  const isSynthetic = useAppState(
    (s) =>
      s.syntheticIds.length > 0 &&
      (s.layers.some((l) => l.id !== DROPPED) ? s.resultInputs : s.inputs).some((i) => s.syntheticIds.includes(i.id)),
  );
  return (
    <section className="panel map-panel">
      <MapControls />
      <DateSlider />
      <div className="map-row">
        <div className="map-box">
          {compare.mode === 'off' ? (
            <MapView name="main" shownIds={shownIds} />
          ) : (
            <CompareView mode={compare.mode} leftId={compare.left} rightId={compare.right} />
          )}
          <Legend />
          {isSynthetic && (
            <div className="map-badge" data-testid="synthetic-map">
              Synthetic demo scene: made-up data, not a real place or date
            </div>
          )}
        </div>
        <aside className="map-side">
          <h3>Layers</h3>
          <LayerList />
          <Inspector />
        </aside>
      </div>
    </section>
  );
}
