#!/bin/sh
# Starts poplard on a bench corpus, for `compare.sh --poplar-cmd 'apps/bench/scripts/poplar-on-corpus.sh %p'`.
# Environment: CORPUS (the corpus folder), USERS (a Poplar users file for the corpus users), WORKERS (default auto).
# The users file can hold the same hash as the corpus passwd-file, e.g. Dovecot's {PBKDF2} form, which Poplar reads.
set -eu
port=$1
root=$(cd "$(dirname "$0")/../../.." && pwd)
state=${TMPDIR:-/tmp}/poplar-bench-$port
workers=${WORKERS:-auto}
[ "$workers" = auto ] && workers='"auto"'
mkdir -p "$state"
cat > "$state/poplar.toml" <<TOML
MailRoot = "${CORPUS:?set CORPUS to the corpus folder}"
UsersFile = "${USERS:?set USERS to a Poplar users file}"
UnencryptedOrTLSBindings = ["127.0.0.1:$port"]
SSLBindings = []
LoginType = "PlainTextLogin"
Mechanisms = ["PLAIN"]
MaxConnections = 100000
MaxConnectionFromSingleIP = 100000
MaxConnectionsPerUser = 1000
Workers = $workers
TOML
ulimit -n 20000 2>/dev/null || true
exec node "$root/apps/daemon/dist/cli.js" serve --config "$state/poplar.toml" > "$state/poplard.log" 2>&1
