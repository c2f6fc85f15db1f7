/**
 * The page, in four areas (styles.css names them and says what each may hold): the pictures, the
 * transport under them, notices above them, and the settings in a side column that scrolls on its
 * own; an open lesson covers the top of the settings column, never the pictures. On a phone the same
 * areas stack: pictures, transport, the lesson, then the settings in groups.
 */
import { Banners } from './components/Banners';
import { LessonPanel, LessonsButton } from './components/Lessons';
import { DrawingPanel } from './components/DrawingPanel';
import { CompareButtons, ComparePanel } from './components/ComparePanel';
import { ModelPicker } from './components/ModelPicker';
import { RunSettingsPanel } from './components/RunSettingsPanel';
import { SamplerPanel } from './components/SamplerPanel';
import { SchedulePlots } from './components/SchedulePlots';
import { SettingsGroup } from './components/SettingsGroup';
import { StatusLine } from './components/StatusLine';
import { StepProgress } from './components/StepProgress';
import { ToolPanel } from './components/ToolPanel';
import { ExportButtons, ShareButton } from './components/Toolbar';
import { Transport } from './components/Transport';
import { UpdateRule } from './components/UpdateRule';
import { ViewToggles } from './components/ViewToggles';
import { Views } from './components/Views';
import { Welcome } from './components/Welcome';

export function App() {
  return (
    <div className="app">
      <header className="area-header top">
        <h1>
          Diffusion Playground <span className="subtitle">noise → data, one reverse-SDE step per frame</span>
        </h1>
        <div className="top-actions">
          <LessonsButton />
          <CompareButtons />
          <ExportButtons />
          <ShareButton />
        </div>
      </header>
      <div className="area-notices">
        <Welcome />
        <Banners />
      </div>
      <section className="area-views" aria-label="Pictures">
        <Views />
        <StepProgress />
      </section>
      <div className="area-transport">
        <Transport />
        <StatusLine />
      </div>
      <LessonPanel />
      <aside className="area-side controls" aria-label="Settings">
        <ViewToggles />
        <SettingsGroup title="Model">
          <ModelPicker />
          <DrawingPanel />
        </SettingsGroup>
        <SettingsGroup title="Compare">
          <ComparePanel />
        </SettingsGroup>
        <SettingsGroup title="Controllable generation">
          <ToolPanel />
        </SettingsGroup>
        <SettingsGroup title="Sampler">
          <SamplerPanel />
        </SettingsGroup>
        <UpdateRule />
        <SettingsGroup title="Process, grid and noise">
          <RunSettingsPanel />
        </SettingsGroup>
        <SettingsGroup title="Noise schedule">
          <SchedulePlots />
        </SettingsGroup>
        <p className="keys">Keys: Space play/pause · → one step · ← one step back</p>
      </aside>
    </div>
  );
}
