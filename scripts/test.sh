#!/usr/bin/env bash
# The project's one test command (`npm test`): static checks, Node tests (core maths, models, CLI,
# Python smoke test), browser tests in Debian's Chromium, then end-to-end tests on the built site.
# Ends with one line "N passed, M failed" summed over every runner, then a line naming any stage
# that failed (a static check or the build has no tests to count).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/test
status=0
current=""
failed=""
stage() { current="$1"; echo; echo "=== $1"; }
run() { "$@" || { status=1; failed="$failed $current;"; }; }

# The Debian packages the tests use (scripts/debian-packages.txt). Chromium is required; without the
# others some tests skip, saying which package they miss.
missing=""
if command -v dpkg >/dev/null; then
  for pkg in $(grep -v '^#' scripts/debian-packages.txt | xargs); do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Chromium missing: installing Debian's chromium and the other missing packages:$missing"
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing:-chromium}) >/dev/null
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "Chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium}: install it and the other packages the tests use with" >&2
  echo "  sudo apt-get install --no-install-recommends \$(grep -v '^#' scripts/debian-packages.txt)   (or set CHROMIUM_PATH)" >&2
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
# The summary counts tests; a failed static check or build has none, so it is named here.
[ -z "$failed" ] || echo "FAILED stages:${failed%;}"
exit $status
