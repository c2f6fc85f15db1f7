#!/usr/bin/env bash
# The project's one test command (`npm test`): static checks, Node tests (core maths, models, CLI,
# Python smoke test), browser tests in Debian's Chromium, then end-to-end tests on the built site.
# Ends with one line "N passed, M failed" summed over every runner.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/test
status=0
stage() { echo; echo "=== $1"; }
run() { "$@" || status=1; }

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Chromium missing: installing Debian's chromium (the browser tests need it)"
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium) >/dev/null
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "Chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium}: install it with" >&2
  echo "  sudo apt-get install --no-install-recommends chromium   (or set CHROMIUM_PATH)" >&2
  exit 2
fi

stage "typecheck";  run npx tsc -p tsconfig.json --noEmit
stage "lint";       run npx eslint .
stage "format";     run npx prettier --check .
stage "node tests"; run npx vitest run --project node --reporter=default --reporter=json --outputFile=out/test/node.json
stage "browser tests"; run npx vitest run --project browser --reporter=default --reporter=json --outputFile=out/test/browser.json
stage "build";      run npm run build --silent
if [ -f playwright.config.ts ]; then
  stage "end-to-end tests"
  PLAYWRIGHT_JSON_OUTPUT_NAME=out/test/e2e.json run npx playwright test --reporter=list,json
fi
node scripts/test-summary.mjs out/test || status=1
exit $status
