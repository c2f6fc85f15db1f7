/**
 * Downloads a model's ONNX bytes with progress, checks size and SHA-256 against its card, and keeps
 * a verified copy in the Cache API so the page works offline (the copy is re-verified on reuse).
 */
import { MODEL_CACHE_NAME, modelCacheKey } from '../shared/model-cache';

/** A failure the user can act on; `modelId` names the model in the banner. */
export class ModelLoadError extends Error {
  constructor(
    readonly modelId: string,
    message: string,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export interface ExpectedFile {
  modelId: string;
  url: string;
  bytes: number;
  sha256: string;
}

export type ProgressFn = (loaded: number, total: number) => void;

/** Fetches JSON, turning HTTP and parse failures into messages that say what to do. */
export async function fetchJson(modelId: string, url: string, signal?: AbortSignal): Promise<unknown> {
  const response = await fetchOrExplain(modelId, url, signal);
  try {
    return (await response.json()) as unknown;
  } catch {
    throw new ModelLoadError(
      modelId,
      `Model "${modelId}": ${url} is not valid JSON. Re-export the model card.`,
    );
  }
}

/**
 * The verified ONNX bytes, from the cache when a valid copy is there, else from the network. An
 * aborted `signal` (the page's Cancel) stops the download with a DownloadCancelled.
 */
export async function loadVerifiedBytes(
  file: ExpectedFile,
  onProgress: ProgressFn,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const cache = await openCache();
  const cached = await cache?.match(cacheKey(file));
  if (cached) {
    const bytes = new Uint8Array(await cached.arrayBuffer());
    if (bytes.byteLength === file.bytes && (await sha256Hex(bytes)) === file.sha256.toLowerCase()) {
      onProgress(bytes.byteLength, bytes.byteLength);
      return bytes;
    }
    await cache?.delete(cacheKey(file)); // stale or damaged copy: fetch again
  }
  const bytes = await download(file, onProgress, signal);
  await verify(file, bytes);
  await cache?.put(cacheKey(file), new Response(bytes.slice().buffer)).catch(() => undefined);
  return bytes;
}

/** Checks byte count and SHA-256 against the card. */
export async function verify(file: ExpectedFile, bytes: Uint8Array): Promise<void> {
  const name = fileName(file.url);
  if (bytes.byteLength < file.bytes) {
    throw new ModelLoadError(
      file.modelId,
      `Model "${file.modelId}": ${name} is truncated (${bytes.byteLength} of ${file.bytes} bytes arrived). ` +
        'Reload the page to download it again.',
    );
  }
  if (bytes.byteLength !== file.bytes) {
    throw new ModelLoadError(
      file.modelId,
      `Model "${file.modelId}": ${name} has ${bytes.byteLength} bytes but its card says ${file.bytes}. ` +
        'The .onnx and .json files are out of step: export the model again.',
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256.toLowerCase()) {
    throw new ModelLoadError(
      file.modelId,
      `Model "${file.modelId}": ${name} failed its integrity check (SHA-256 ${actual.slice(0, 12)}… but ` +
        `the card says ${file.sha256.slice(0, 12)}…). The file is damaged or belongs to another export: ` +
        'export the model again, or clear this site’s data and reload.',
    );
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (!globalThis.crypto?.subtle) {
    throw new Error(
      'Checking model integrity needs a secure context: open the page over https or localhost.',
    );
  }
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The page cancelled a download (faults, issue 16): not a failure, nothing to report. */
export class DownloadCancelled extends Error {
  constructor(readonly modelId: string) {
    super(`The download of model "${modelId}" was cancelled.`);
    this.name = 'DownloadCancelled';
  }
}

async function download(
  file: ExpectedFile,
  onProgress: ProgressFn,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const response = await fetchOrExplain(file.modelId, file.url, signal);
  const total = file.bytes;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress(bytes.byteLength, total);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await readOrStall(reader, STALL_MS).catch((e: unknown) => {
      void reader.cancel().catch(() => undefined);
      if (signal?.aborted) throw new DownloadCancelled(file.modelId);
      const why =
        e instanceof StalledError
          ? `no data arrived for ${STALL_MS / 1000} s`
          : `the connection failed: ${String(e)}`;
      throw new ModelLoadError(
        file.modelId,
        `Model "${file.modelId}": the download stopped after ${megabytes(loaded)} of ${megabytes(total)} (${why}). ` +
          'Check the connection and press Retry; the other models still work.',
      );
    });
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress(loaded, Math.max(total, loaded));
  }
  return concat(chunks, loaded);
}

/**
 * How long a download may go without a byte before it is abandoned with a message (a stalled
 * connection on lecture-hall Wi-Fi would otherwise show a progress bar that never moves).
 */
export const STALL_MS = 20_000;

class StalledError extends Error {}

/** reader.read(), or a StalledError when nothing arrives for `ms`. */
function readOrStall<T>(
  reader: ReadableStreamDefaultReader<T>,
  ms: number,
): Promise<ReadableStreamReadResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StalledError()), ms);
  });
  return Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

async function fetchOrExplain(modelId: string, url: string, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : undefined);
  } catch (e) {
    if (signal?.aborted) throw new DownloadCancelled(modelId);
    throw new ModelLoadError(
      modelId,
      `Model "${modelId}": could not download ${url} (${String(e)}). Check the connection and reload.`,
    );
  }
  if (!response.ok) {
    const hint =
      response.status === 404
        ? 'The file is missing from the site: check that models/ was built and deployed with it.'
        : 'The server refused it: reload, or try again later.';
    throw new ModelLoadError(modelId, `Model "${modelId}": ${url} answered HTTP ${response.status}. ${hint}`);
  }
  if ((response.headers.get('Content-Type') ?? '').startsWith('text/html')) {
    // Single-page-app hosts answer a missing file with their index page instead of a 404.
    throw new ModelLoadError(
      modelId,
      `Model "${modelId}": ${url} is missing (the server answered with a web page instead of the file). ` +
        'Check that models/ was built and deployed with it.',
    );
  }
  return response;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(MODEL_CACHE_NAME);
  } catch {
    return null; // e.g. opaque origins or private modes without storage: download every time
  }
}

const cacheKey = (file: ExpectedFile): string => modelCacheKey(file.url, file.sha256);
const fileName = (url: string): string => url.slice(url.lastIndexOf('/') + 1);
