/** The header's buttons: Share (copies the link) and the PNG / GIF exports. */
import { useState } from 'react';
import { useAppState, useActions, useCurrentModel, useVisible } from '../contexts';
import { exportGif, exportPng } from '../render/export';
import { registryVocabulary } from '../state/registry-view';
import type { CatalogueEntry } from '../state/store';
import type { FrameEvent } from '../../engine/protocol';
import { shareableUrl } from '../state/url-state';

export function ShareButton() {
  const settings = useAppState((s) => s.settings);
  const catalogue = useAppState((s) => s.catalogue);
  const actions = useActions();
  const [copied, setCopied] = useState(false);
  if (!useVisible('Share')) return null;
  const share = async (): Promise<void> => {
    const url = shareableUrl(settings, registryVocabulary(catalogue));
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      actions.notify({
        kind: 'info',
        title: 'Copy this link',
        message: `The clipboard is not available here; the link is: ${url}`,
      });
    }
  };
  return (
    <button type="button" onClick={() => void share()}>
      {copied ? 'Link copied' : 'Share'}
    </button>
  );
}

export function ExportButtons() {
  // Whether there is a frame, not which: the buttons need not re-render with every step.
  const hasFrame = useAppState((s) => s.run.frame !== null);
  const frameLog = useAppState((s) => s.frameLog);
  const model = useCurrentModel();
  const actions = useActions();
  if (!useVisible('Export')) return null;
  const fail = (error: unknown): void =>
    actions.notify({
      kind: 'error',
      title: 'Export failed',
      message: error instanceof Error ? error.message : String(error),
    });
  const disabled = !hasFrame || model === undefined;
  // A frame the worker drew may come without its arrays: ask for the current one first.
  const exportCurrent = (write: (current: FrameEvent, model: CatalogueEntry) => void | Promise<void>) => {
    if (model === undefined) return;
    actions
      .currentFrame()
      .then((current) => write(current, model))
      .catch(fail);
  };
  return (
    <div className="inline">
      <button type="button" disabled={disabled} onClick={() => exportCurrent(exportPng)}>
        Export PNG
      </button>
      <button
        type="button"
        disabled={disabled}
        onClick={() => exportCurrent((current, m) => exportGif(frameLog.upTo(current.i), m))}
      >
        Export GIF
      </button>
    </div>
  );
}
