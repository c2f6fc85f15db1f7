/* global window, location, Worker, URL, URLSearchParams */
/**
 * The benchmark page: starts one module worker (the app runs the network in a worker too) with the
 * ORT bundle and thread count from this page's query string, and exposes `window.benchCall(msg)`,
 * which posts a command to that worker and resolves with its reply.
 */
const query = new URLSearchParams(location.search);
const worker = new Worker(new URL(`./bench-worker.mjs?${query}`, import.meta.url), { type: 'module' });
const pending = new Map();
let nextId = 1;

worker.onmessage = ({ data }) => {
  const settle = pending.get(data.id);
  pending.delete(data.id);
  settle?.(data);
};
worker.onerror = (event) => {
  for (const settle of pending.values()) settle({ error: `worker failed: ${event.message}` });
  pending.clear();
};

window.benchCall = (message) =>
  new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    worker.postMessage({ ...message, id });
  });
window.benchReady = true;
