/**
 * A local static server for the benchmark: URL prefixes mapped to folders, with COOP same-origin +
 * COEP require-corp so pages are cross-origin isolated (threaded WASM). `cache` chooses between
 * "no-store" (every load is cold) and revalidation by ETag (what a static host does; a warm load
 * then gets 304s or serves from the HTTP cache).
 */
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface Mount {
  /** URL prefix with leading and trailing slash, e.g. "/ort/". */
  prefix: string;
  dir: string;
}

export interface BenchServer {
  origin: string;
  /** Bytes sent since start, for load reports. */
  bytesSent(): number;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

async function fileFor(mounts: readonly Mount[], urlPath: string): Promise<string | null> {
  const path = decodeURIComponent(urlPath.split('?')[0]);
  for (const { prefix, dir } of mounts) {
    if (!path.startsWith(prefix) && path !== prefix.slice(0, -1)) continue;
    const rel = normalize(path.slice(prefix.length)).replace(/^(\.\.(\/|$))+/, '');
    const abs = join(resolve(dir), rel === '.' ? '' : rel);
    const info = await stat(abs).catch(() => null);
    if (info?.isFile()) return abs;
    if (info?.isDirectory()) return join(abs, 'index.html');
  }
  return null;
}

export async function startBenchServer(
  mounts: readonly Mount[],
  cache: 'no-store' | 'etag',
): Promise<BenchServer> {
  let sent = 0;
  const server = createServer((req, res) => {
    fileFor(mounts, req.url ?? '/')
      .then(async (file) => {
        const body = file === null ? null : await readFile(file).catch(() => null);
        if (file === null || body === null) {
          res.writeHead(404, isolation).end('not found');
          return;
        }
        const info = await stat(file);
        const etag = `"${info.size}-${Math.floor(info.mtimeMs)}"`;
        const caching =
          cache === 'no-store'
            ? { 'Cache-Control': 'no-store' }
            : { 'Cache-Control': 'no-cache', ETag: etag };
        if (cache === 'etag' && req.headers['if-none-match'] === etag) {
          res.writeHead(304, { ...isolation, ...caching }).end();
          return;
        }
        const type = contentTypes[extname(file)] ?? 'application/octet-stream';
        res.writeHead(200, { ...isolation, ...caching, 'Content-Type': type, 'Content-Length': body.length });
        sent += body.length;
        res.end(body);
      })
      .catch((error: unknown) => res.writeHead(500, isolation).end(String(error)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
