/**
 * A small static file server for end-to-end tests: serves the built site (dist/) from a sub-path
 * with the COOP/COEP headers that make the page cross-origin isolated (threaded WASM).
 * `overrides` replaces the bytes of chosen files (e.g. a corrupted model) without touching dist/.
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface StaticServerOptions {
  /** Directory to serve, e.g. "dist". */
  root: string;
  /** URL sub-path the site lives under, with leading and trailing slash, e.g. "/sub/diffusion/". */
  base: string;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Paths relative to the root whose content is replaced, e.g. { "models/mnist.onnx": bytes }. */
  overrides?: Record<string, Uint8Array | string>;
  /** Extra response headers on every file (e.g. a Content-Security-Policy, as a host would send). */
  headers?: Record<string, string>;
  /** Network faults by path relative to the root; read on every request, so a test may change them. */
  faults?: Record<string, NetworkFault>;
}

/**
 * A network fault on one file: 'missing' answers 404; 'truncated' sends the first half with a
 * matching Content-Length; 'corrupted' flips one byte in the middle; 'stalled' sends the headers
 * and the first half, then nothing more (the connection stays open).
 */
export type NetworkFault = 'missing' | 'truncated' | 'corrupted' | 'stalled';

export interface StaticServer {
  /** Address of the site root, e.g. http://127.0.0.1:4321/sub/diffusion/ */
  url: string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain',
};

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Maps a request path to a path relative to the root, or null when it is outside the base. */
export function relativePathOf(urlPath: string, base: string): string | null {
  const path = decodeURIComponent(urlPath.split('?')[0]);
  if (!path.startsWith(base)) return path === base.slice(0, -1) ? '' : null;
  const rel = normalize(path.slice(base.length)).replace(/^(\.\.(\/|$))+/, '');
  return rel === '.' ? '' : rel;
}

async function bytesFor(root: string, rel: string, overrides: StaticServerOptions['overrides']) {
  const override = overrides?.[rel];
  if (override !== undefined) return typeof override === 'string' ? Buffer.from(override) : override;
  const abs = join(root, rel);
  const info = await stat(abs).catch(() => null);
  if (info === null) return null;
  return readFile(info.isDirectory() ? join(abs, 'index.html') : abs);
}

/** Starts the server; resolves once it listens. */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  const server: Server = createServer((req, res) => {
    const rel = relativePathOf(req.url ?? '/', options.base);
    if (rel === null) {
      res.writeHead(404, isolationHeaders).end('outside the site');
      return;
    }
    const fault = options.faults?.[rel];
    bytesFor(root, rel === '' ? 'index.html' : rel, options.overrides)
      .then((found) => {
        let body = fault === 'missing' ? null : found;
        if (body !== null && fault === 'truncated') body = body.subarray(0, body.length >> 1);
        if (body !== null && fault === 'corrupted') {
          body = Uint8Array.from(body);
          body[body.length >> 1] ^= 0xff;
        }
        if (body !== null && fault === 'stalled') {
          res.writeHead(200, { ...isolationHeaders, 'Content-Length': body.length });
          res.write(body.subarray(0, body.length >> 1));
          return; // never ends: close() drops the connection
        }
        if (body === null) {
          res.writeHead(404, isolationHeaders).end('not found');
          return;
        }
        const type = contentTypes[extname(rel === '' ? 'index.html' : rel)] ?? 'application/octet-stream';
        res.writeHead(200, {
          ...isolationHeaders,
          ...options.headers,
          'Content-Type': type,
          'Content-Length': body.length,
        });
        res.end(body);
      })
      .catch((error: unknown) => res.writeHead(500, isolationHeaders).end(String(error)));
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.base}`,
    // Drop open keep-alive connections too: a page still pointed at this server would otherwise
    // keep close() waiting for ever.
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
