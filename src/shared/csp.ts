/**
 * The site's Content-Security-Policy, one directive per line with the reason for each exception.
 * The built index.html carries it as a <meta http-equiv> (vite.config.ts adds it at build time:
 * the dev server's inline React-refresh preamble would break under it), and public/_headers and
 * public/coi-sw.js carry the same text as a response header, which is what reaches the workers
 * (a meta policy does not). test/core/csp.test.ts keeps the three copies equal.
 */

/** Directive → sources. Every source other than 'self' / 'none' is an exception, explained here. */
export const cspDirectives: readonly (readonly [string, string])[] = [
  ['default-src', "'self'"],
  // 'wasm-unsafe-eval': onnxruntime-web compiles its .wasm (WebAssembly.instantiate). Nothing else:
  // no inline script, no eval / new Function (embind's code generation is not reached on either
  // the WASM or the WebGPU path; test/e2e/csp.spec.ts runs both under this policy).
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  // The engine worker and onnxruntime's thread workers are same-origin module scripts; so is the
  // service worker.
  ['worker-src', "'self'"],
  // Model cards and networks, lessons, onnxruntime's .wasm: all same-origin fetches.
  ['connect-src', "'self'"],
  // data:: the favicon (an inline SVG in index.html). blob:: exported PNG/GIF previews and links.
  ['img-src', "'self' data: blob:"],
  // No 'unsafe-inline': React and KaTeX (katex.render) set styles through the CSSOM, which a
  // policy does not govern; no style attribute or <style> element comes from markup.
  ['style-src', "'self'"],
  // KaTeX's fonts, emitted as files (vite.config.ts never inlines a font as a data: URL).
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** The policy as one header / meta value. */
export const contentSecurityPolicy: string = cspDirectives
  .map(([name, sources]) => `${name} ${sources}`)
  .join('; ');
