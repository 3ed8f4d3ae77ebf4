#!/usr/bin/env bash
# `npm run pack:check`: packs the package the way `npm publish` would and checks what a consumer gets:
#   1. the tarball holds only package.json, README.md, LICENSE, CHANGELOG.md and dist/ (no tests, no source
#      maps: dist/ is built without them because src/ is not shipped, so they would point at missing files);
#   2. publint (strict) and @arethetypeswrong/cli (esm-only profile) find no problem in that tarball;
#   3. a fresh consumer project installs the tarball and, under Node 24 and Node 22, both `import`s and
#      `require()`s every entry point ('twilio-destination', '/simulator', '/redis', '/postgres', '/sqlite').
# Needs only the repo's devDependencies (`npm ci`) and the npm registry (the consumer's dependencies, and Node
# itself when no Node 22/24 is found). Prints one PASS/FAIL line per check; exits 1 if any check failed.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK="$(mktemp -d "${TMPDIR:-/tmp}/twilio-destination-pack.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
FAILURES=0
pass() { echo "PASS $*"; }
fail() {
  echo "FAIL $*"
  FAILURES=$((FAILURES + 1))
}

# Prints the bin folder of a Node of the given major version: the one running this script, else one cached
# where .ci/run (or a developer) left it, else one installed from the npm registry into the cache.
node_bin() {
  local major="$1" dir
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
    dirname "$(command -v node)"
    return
  fi
  for dir in "$HOME/.cache/twilio-destination-node$major" "$HOME/.cache/node$major"; do
    if [ -x "$dir/node_modules/node/bin/node" ]; then
      echo "$dir/node_modules/node/bin"
      return
    fi
  done
  npm install --silent --no-audit --no-fund --prefix "$HOME/.cache/twilio-destination-node$major" "node@$major" >&2
  echo "$HOME/.cache/twilio-destination-node$major/node_modules/node/bin"
}

# 1. Pack. `npm pack` runs the `prepare` script, so dist/ is rebuilt from the current src/ first.
echo "== npm pack"
if ! npm pack --pack-destination "$WORK" >"$WORK/pack.log" 2>&1; then
  cat "$WORK/pack.log"
  fail "npm pack (see the output above)"
  exit 1
fi
TARBALL="$(find "$WORK" -maxdepth 1 -name '*.tgz' -print -quit)"
tar -tzf "$TARBALL" | sort >"$WORK/files.txt"
echo "$(basename "$TARBALL"): $(wc -l <"$WORK/files.txt") files, $(du -k "$TARBALL" | cut -f1) KiB"

check_none() { # $1 = what is wrong, $2 = extended regex that no tarball path may match, $3 = exceptions
  local found
  found="$(grep -E "$2" "$WORK/files.txt" | grep -Ev "${3:-^$}" || true)"
  if [ -z "$found" ]; then
    pass "tarball: no $1"
  else
    fail "tarball: $1:"
    sed 's/^/       /' <<<"$found"
  fi
}
STRAYS="$(grep -Ev '^package/(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist/.+)$' "$WORK/files.txt" || true)"
if [ -z "$STRAYS" ]; then
  pass "tarball: only package.json, README.md, LICENSE, CHANGELOG.md and dist/"
else
  fail "tarball: files outside package.json, README.md, LICENSE, CHANGELOG.md and dist/:"
  sed 's/^/       /' <<<"$STRAYS"
fi
check_none "test files" '(\.(test|spec)\.|/__tests__/|/tests?/|/fixtures/)'
check_none "source maps (src/ is not shipped, so they would point at missing files)" '\.map$'
check_none "TypeScript sources or build info" '\.(tsbuildinfo|ts|mts|cts|tsx)$' '\.d\.(ts|mts|cts)$'

MISSING=""
for file in package.json README.md LICENSE CHANGELOG.md dist/index.js dist/index.d.ts \
  dist/simulator/index.js dist/simulator/index.d.ts dist/redis/index.js dist/redis/index.d.ts \
  dist/postgres/index.js dist/postgres/index.d.ts dist/sqlite/index.js dist/sqlite/index.d.ts; do
  grep -qxF "package/$file" "$WORK/files.txt" || MISSING="$MISSING $file"
done
if [ -z "$MISSING" ]; then
  pass "tarball: has package.json, README.md, LICENSE, CHANGELOG.md and every entry point"
else
  fail "tarball: missing$MISSING"
fi

mkdir "$WORK/extracted"
tar -xzf "$TARBALL" -C "$WORK/extracted"
MAP_COMMENTS="$(grep -rl 'sourceMappingURL' "$WORK/extracted/package/dist" || true)"
if [ -z "$MAP_COMMENTS" ]; then
  pass "dist: no sourceMappingURL comments"
else
  fail "dist: sourceMappingURL comments pointing at maps that are not shipped:"
  sed "s|^$WORK/extracted/|       |" <<<"$MAP_COMMENTS"
fi

# 2. Linters, on exactly what was packed (publint reads the extracted tarball as it is: --pack false).
echo "== publint --strict"
if npx --no -- publint --strict --pack false "$WORK/extracted/package"; then
  pass "publint --strict"
else
  fail "publint --strict"
fi
echo "== attw --profile esm-only"
if npx --no -- attw "$TARBALL" --profile esm-only; then
  pass "attw --profile esm-only"
else
  fail "attw --profile esm-only"
fi

# 3. A consumer project that installs the tarball from the registry's point of view.
echo "== consumer project"
CONSUMER="$WORK/consumer"
mkdir "$CONSUMER"
cat >"$CONSUMER/package.json" <<'JSON'
{ "name": "consumer", "version": "1.0.0", "private": true }
JSON
cat >"$CONSUMER/esm.mjs" <<'JS'
import { TwilioDestination } from 'twilio-destination';
import { startTwilioSimulator } from 'twilio-destination/simulator';
// The back-ends load without their drivers installed: the user passes the client (or pg is loaded on open).
import { RedisCoordinator, RedisLedger } from 'twilio-destination/redis';
import { PostgresLedger, migrate } from 'twilio-destination/postgres';
import { SqliteLedger } from 'twilio-destination/sqlite';

const wrong = Object.entries({
  TwilioDestination, startTwilioSimulator, RedisCoordinator, RedisLedger, PostgresLedger, migrate, SqliteLedger,
}).filter(([, v]) => typeof v !== 'function');
if (wrong.length > 0) throw new Error(`not functions: ${wrong.map(([name]) => name).join(', ')}`);
JS
cat >"$CONSUMER/cjs.cjs" <<'JS'
const { TwilioDestination } = require('twilio-destination');
const { startTwilioSimulator } = require('twilio-destination/simulator');
const { RedisCoordinator, RedisLedger } = require('twilio-destination/redis');
const { PostgresLedger, migrate } = require('twilio-destination/postgres');
const { SqliteLedger } = require('twilio-destination/sqlite');

const wrong = Object.entries({
  TwilioDestination, startTwilioSimulator, RedisCoordinator, RedisLedger, PostgresLedger, migrate, SqliteLedger,
}).filter(([, v]) => typeof v !== 'function');
if (wrong.length > 0) throw new Error(`not functions: ${wrong.map(([name]) => name).join(', ')}`);
JS
if (cd "$CONSUMER" && npm install --no-audit --no-fund --no-package-lock "$TARBALL" >"$WORK/install.log" 2>&1); then
  pass "consumer: npm install $(basename "$TARBALL")"
  for major in 24 22; do
    BIN="$(node_bin "$major")"
    VERSION="$("$BIN/node" --version)"
    if (cd "$CONSUMER" && "$BIN/node" esm.mjs); then
      pass "Node $VERSION: import of twilio-destination and its subpaths (simulator, redis, postgres, sqlite)"
    else
      fail "Node $VERSION: import of twilio-destination and its subpaths (simulator, redis, postgres, sqlite)"
    fi
    if (cd "$CONSUMER" && "$BIN/node" cjs.cjs); then
      pass "Node $VERSION: require() of twilio-destination and its subpaths (simulator, redis, postgres, sqlite)"
    else
      fail "Node $VERSION: require() of twilio-destination and its subpaths (simulator, redis, postgres, sqlite)"
    fi
    # The installed bin, through npm's link, sending the demo rows on the embedded simulator.
    printf 'phone,name\n+14155550100,Ada\n' >"$CONSUMER/rows.csv"
    if (cd "$CONSUMER" && PATH="$BIN:$PATH" ./node_modules/.bin/twilio-destination send rows.csv \
      --template 'Hi {{name}}' --map to=phone --simulate >"$WORK/bin.out" 2>"$WORK/bin.err") \
      && grep -q '"status":"sent"' "$WORK/bin.out"; then
      pass "Node $VERSION: the twilio-destination bin sends a row on --simulate"
    else
      cat "$WORK/bin.out" "$WORK/bin.err"
      fail "Node $VERSION: the twilio-destination bin sends a row on --simulate"
    fi
  done
else
  cat "$WORK/install.log"
  fail "consumer: npm install $(basename "$TARBALL") (see the output above)"
fi

if [ "$FAILURES" -eq 0 ]; then
  echo "pack:check: all checks passed"
else
  echo "pack:check: $FAILURES check(s) failed"
  exit 1
fi
