/**
 * How much a run may ask the network to hold at once. One network call carries
 * elements = (elements per sample) × batch × (2 when guided: conditional and unconditional halves
 * in one call) × panes (compare mode joins every pane's request into one call). Past
 * MAX_RUN_ELEMENTS a run is refused with a message before anything is allocated, so a card or a
 * link cannot make the tab run out of memory.
 *
 * The number comes from a measurement (scripts/memory-per-element.ts): the MNIST U-Net in
 * onnxruntime-web's WASM build, one call at batch 1 … 512, peaks at 326–385 bytes of memory per
 * input element (168 MiB above the idle process at batch 512 = 401,408 elements). 2^20 elements
 * is then ≈ 385 MiB for the network call, inside a 512 MiB share of a page that also keeps
 * snapshots and frames, on the 4 GiB address space of 32-bit WASM and on a laptop with 4 GB.
 * The largest request the shipped models allow — MNIST, batch 64, guided, four panes — is
 * 401,408 elements.
 */
export const MAX_RUN_ELEMENTS = 2 ** 20;

export interface RunSize {
  /** Elements of one sample: the product of the card's shape. */
  sampleElements: number;
  batch: number;
  /** Classifier-free guidance doubles the batch of each network call. */
  guided: boolean;
  /** Compare panes sharing one network call (1 without compare). */
  panes: number;
}

/** Elements of the largest network call the run makes. */
export function runElements(size: RunSize): number {
  return size.sampleElements * size.batch * (size.guided ? 2 : 1) * size.panes;
}

/** The largest batch that fits under the cap for this run's other factors (0 when none does). */
export function largestBatch(size: Omit<RunSize, 'batch'>): number {
  return Math.floor(MAX_RUN_ELEMENTS / runElements({ ...size, batch: 1 }));
}

/**
 * Null when the run fits under MAX_RUN_ELEMENTS, else a message saying what was asked, the cap
 * and what to do.
 */
export function runSizeProblem(size: RunSize): string | null {
  const elements = runElements(size);
  if (elements <= MAX_RUN_ELEMENTS) return null;
  const factors = [
    `${size.sampleElements.toLocaleString('en-US')} values per sample`,
    `batch ${size.batch}`,
    ...(size.guided ? ['× 2 for guidance'] : []),
    ...(size.panes > 1 ? [`${size.panes} panes`] : []),
  ].join(', ');
  const fit = largestBatch(size);
  const fix =
    fit >= 1
      ? `Choose a batch of ${fit} or less${size.panes > 1 ? ', or fewer panes' : ''}.`
      : 'This model is too large for the page.';
  return (
    `This run would hold ${elements.toLocaleString('en-US')} values in one network call ` +
    `(${factors}), over the page's limit of ${MAX_RUN_ELEMENTS.toLocaleString('en-US')}, ` +
    `which keeps the tab from running out of memory. ${fix}`
  );
}
