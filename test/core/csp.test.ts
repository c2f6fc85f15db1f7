import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, cspDirectives } from '../../src/shared/csp';

/** The value of a `Content-Security-Policy:` line in public/_headers. */
function headersFilePolicy(): string {
  const line = readFileSync('public/_headers', 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('Content-Security-Policy:'));
  return line?.trim().slice('Content-Security-Policy:'.length).trim() ?? '';
}

describe('the Content-Security-Policy', () => {
  it('is the same text in src/shared/csp.ts, public/_headers and the service worker', () => {
    expect(headersFilePolicy()).toBe(contentSecurityPolicy);
    expect(readFileSync('public/coi-sw.js', 'utf8')).toContain(`"${contentSecurityPolicy}"`);
  });

  it('has the directives a static teaching page needs and no inline or eval escape hatch', () => {
    const policy = new Map(cspDirectives.map(([name, sources]) => [name, sources]));
    expect(policy.get('default-src')).toBe("'self'");
    expect(policy.get('script-src')).toBe("'self' 'wasm-unsafe-eval'");
    expect(policy.get('worker-src')).toBe("'self'");
    expect(policy.get('connect-src')).toBe("'self'");
    expect(policy.get('img-src')).toBe("'self' data: blob:");
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('base-uri')).toBe("'none'");
    expect(policy.get('form-action')).toBe("'none'");
    expect(contentSecurityPolicy).not.toContain('unsafe-inline');
    expect(contentSecurityPolicy).not.toMatch(/'unsafe-eval'/);
  });

  it('index.html has no inline script or style attribute for the policy to block', () => {
    const html = readFileSync('index.html', 'utf8');
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });
});
