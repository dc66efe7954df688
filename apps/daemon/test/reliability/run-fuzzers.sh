#!/usr/bin/env bash
# Runs Poplar's fuzzers again and again for MINUTES minutes (default 30), each round with fresh random inputs:
# the command parser and line reader (@poplar/wire), the session engine with SASL framing (@poplar/session), the
# NTLM message parser (@poplar/auth-ntlm, with a new seed each round), the PLAIN decoder (@poplar/auth-plain), and
# the network-level fuzz against a running poplard (POPLAR_FUZZ_RUNS runs per daemon per round, default 2000).
# Stops at the first failure, which vitest prints with its counterexample and seed. Not part of CI.
#
#   apps/daemon/test/reliability/run-fuzzers.sh 120     # two hours
set -uo pipefail
minutes=${1:-30}
root=$(cd "$(dirname "$0")/../../../.." && pwd)
deadline=$(( $(date +%s) + minutes * 60 ))
export POPLAR_FUZZ_RUNS=${POPLAR_FUZZ_RUNS:-2000}

run() {
  local dir=$1
  shift
  (cd "$root/$dir" && npx vitest run "$@" --reporter=dot) || {
    echo "fuzz failure in $dir ($*), round $round, POPLAR_FUZZ_SEED=${POPLAR_FUZZ_SEED:-}" >&2
    exit 1
  }
}

# Build once; the network fuzz runs the built daemon.
(cd "$root" && npx -y pnpm@12.4.2 exec turbo run build --filter=@poplar/daemon --output-logs=errors-only) || exit 1
export POPLAR_SKIP_BUILD=1

round=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  round=$((round + 1))
  export POPLAR_FUZZ_SEED=$((RANDOM * 32768 + RANDOM))
  echo "=== round $round (seed $POPLAR_FUZZ_SEED), $(( (deadline - $(date +%s)) / 60 )) min left"
  run packages/wire src/command.test.ts src/line-reader.test.ts
  run packages/session src/session.fuzz.test.ts
  run packages/auth-ntlm src/ntlm-exchange.test.ts -t fuzz
  run packages/auth-plain src/plain-mechanism.test.ts
  run apps/daemon --project reliability test/reliability/network-fuzz.test.ts
done
echo "$round rounds, no failure"
