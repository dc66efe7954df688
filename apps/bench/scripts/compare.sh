#!/usr/bin/env bash
# Side by side with Dovecot: builds poplar-bench if needed, then runs `poplar-bench compare`, which installs Dovecot
# from Debian when it is missing, starts private instances (stock and tuned) and Poplar (with --poplar-cmd), runs
# the same scenarios against each, several times, and prints medians, min–max and ratios.
#
#   apps/bench/scripts/compare.sh --corpus /var/tmp/poplar-corpus [--runs 3] [--duration 10s] \
#     [--poplar-cmd 'node apps/daemon/dist/cli.js serve --config FILE']
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -f "$here/dist/cli.js" ]]; then
  (cd "$here" && npx tsc -p tsconfig.json)
fi
exec node "$here/dist/cli.js" compare "$@"
