/** The page: header with status, controls on the left, transport, pictures and plots on the right. */
import { Banners } from './components/Banners';
import { ModelPicker } from './components/ModelPicker';
import { RunSettingsPanel } from './components/RunSettingsPanel';
import { SamplerPanel } from './components/SamplerPanel';
import { SchedulePlots } from './components/SchedulePlots';
import { StatusLine } from './components/StatusLine';
import { ExportButtons, ShareButton } from './components/Toolbar';
import { Transport } from './components/Transport';
import { UpdateRule } from './components/UpdateRule';
import { ViewToggles } from './components/ViewToggles';
import { Views } from './components/Views';

export function App() {
  return (
    <div className="app">
      <header className="top">
        <h1>
          Diffusion Playground <span className="subtitle">noise → data, one reverse-SDE step per frame</span>
        </h1>
        <div className="top-actions">
          <ExportButtons />
          <ShareButton />
        </div>
      </header>
      <Banners />
      <main className="layout">
        <aside className="controls" aria-label="Settings">
          <section className="panel">
            <ModelPicker />
          </section>
          <SamplerPanel />
          <RunSettingsPanel />
        </aside>
        <div className="stage">
          <Transport />
          <StatusLine />
          <div className="stage-body">
            <Views />
            <div className="side">
              <SchedulePlots />
              <ViewToggles />
            </div>
          </div>
          <UpdateRule />
          <p className="keys">Keys: Space play/pause · → one step · ← one step back</p>
        </div>
      </main>
    </div>
  );
}
