#!/usr/bin/env bash
# Smoke test of the built single executable (run by .ci/run after `npm run build`):
#   EXE=build/release/neurocards-linux-arm64 bash build/smoke.sh   tests another file; one built for
#   another CPU runs under qemu-user-static (build/install-arm64-deps.sh installs it for arm64).
#   1. --version from another directory, with a read-only install directory;
#   2. doctor on a fresh data directory against the fake providers, with HOME unusable so the
#      SQLite addon cache falls back to the data directory; doctor on a broken config exits 1;
#   3. one full user flow against the fakes with the executable running (test/smoke/flow.ts), and
#      the same with STORAGE_TYPE=s3 against s3rver;
#   4. a backup of that install restored into a fresh data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# Node 24 for the fakes and the flow driver: the one npm installed for this host.
export PATH="$root/node_modules/.bin:$PATH"
exe="$(realpath -m "${EXE:-$root/build/neurocards}")"
[ -x "$exe" ] || { echo "smoke: $exe is missing: run npm run build first" >&2; exit 1; }

tmp="$(mktemp -d)"
fakes_pid=""
cleanup() {
  [ -n "$fakes_pid" ] && kill "$fakes_pid" 2>/dev/null || true
  chmod -R u+w "$tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# 1. The executable copied to a read-only folder, run from elsewhere.
mkdir -p "$tmp/bin" "$tmp/work"
# The CPU an ELF file is for, from its e_machine field.
machine_of() { case "$(od -An -tx1 -j18 -N1 "$1" | tr -d ' ')" in b7) echo aarch64 ;; 3e) echo x86_64 ;; *) echo unknown ;; esac; }
machine="$(machine_of "$exe")"
if [ "$machine" = "$(uname -m)" ]; then
  cp "$exe" "$tmp/bin/neurocards"
else
  # Under qemu, with Debian's cross libraries as the dynamic loader's root. `exec` makes qemu the
  # process that the flow's SIGTERM reaches; /proc/self/exe (so the SEA's execPath) stays the file.
  command -v "qemu-$machine-static" >/dev/null && [ -e "/usr/$machine-linux-gnu/lib/libstdc++.so.6" ] \
    || { echo "smoke: $exe is for $machine: it needs qemu-$machine-static and /usr/$machine-linux-gnu (build/install-arm64-deps.sh)" >&2; exit 1; }
  cp "$exe" "$tmp/bin/neurocards.$machine"
  printf '#!/bin/sh\nexec qemu-%s-static -L /usr/%s-linux-gnu "%s" "$@"\n' \
    "$machine" "$machine" "$tmp/bin/neurocards.$machine" >"$tmp/bin/neurocards"
  chmod 755 "$tmp/bin/neurocards"
  echo "smoke: $(basename "$exe") is for $machine: running it under qemu-$machine-static"
  # Emulation runs the executable several times slower: the flow's waits grow with it.
  export SMOKE_SLOWDOWN="${SMOKE_SLOWDOWN:-6}"
fi
chmod 555 "$tmp/bin"
want="$(node -p 'require("./package.json").version')"
start_ns=$(date +%s%N)
got="$(cd "$tmp/work" && "$tmp/bin/neurocards" --version)"
end_ns=$(date +%s%N)
[ "$got" = "$want" ] || { echo "smoke: --version printed '$got', expected '$want'" >&2; exit 1; }
echo "smoke: --version ok ($got, $(( (end_ns - start_ns) / 1000000 )) ms)"

# 2. doctor against the fakes on a fresh data directory.
# One process (node --import tsx), so killing it stops the fakes.
node --import tsx test/smoke/fakes.ts >"$tmp/fakes.out" &
fakes_pid=$!
for _ in $(seq 1 100); do grep -q '^READY$' "$tmp/fakes.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^READY$' "$tmp/fakes.out" || { echo "smoke: fakes did not start" >&2; cat "$tmp/fakes.out" >&2; exit 1; }
{
  grep -v '^READY$' "$tmp/fakes.out"
  echo "DATABASE_PATH=$tmp/work/data/neurocards.db"
  echo "STORAGE_PATH=$tmp/work/data/files"
  echo "HTTP_HOST=127.0.0.1"
  echo "HTTP_PORT=0"
} >"$tmp/smoke.env"
# /proc refuses new folders even to root: the addon cache must fall back to the data directory.
(cd "$tmp/work" && HOME=/proc/neurocards-no-home XDG_CACHE_HOME= "$tmp/bin/neurocards" --env-file "$tmp/smoke.env" doctor) \
  || { echo "smoke: doctor failed on a fresh data directory" >&2; exit 1; }
(cd "$tmp/work" && HOME=/proc/neurocards-no-home "$tmp/bin/neurocards" --env-file "$tmp/smoke.env" migrate) >/dev/null 2>&1 \
  || { echo "smoke: migrate failed with HOME unusable" >&2; exit 1; }
ls "$tmp/work/data/.cache/"*/better_sqlite3.node >/dev/null \
  || { echo "smoke: the SQLite addon was not cached in the data directory" >&2; exit 1; }
echo "smoke: doctor ok, addon cache fell back to the data directory"

set +e
broken="$(cd "$tmp/work" && env -i PATH="$PATH" BOT_TOKEN=nonsense DATABASE_TYPE=postgres "$tmp/bin/neurocards" doctor 2>&1)"
code=$?
set -e
[ "$code" = 1 ] || { echo "smoke: doctor on a broken config exited $code, expected 1" >&2; echo "$broken" >&2; exit 1; }
echo "$broken" | grep -q '✗ config: BOT_TOKEN' || { echo "smoke: doctor did not name BOT_TOKEN" >&2; echo "$broken" >&2; exit 1; }
echo "smoke: doctor on a broken config exits 1"
kill "$fakes_pid"; wait "$fakes_pid" 2>/dev/null || true; fakes_pid=""

# 3. One user from /start to the delivered video.
mkdir -p "$tmp/flow"
SMOKE_DATA_DIR="$tmp/flow" node --import tsx test/smoke/flow.ts "$tmp/bin/neurocards"

# 3b. The same with the files in an S3-protocol server (the AWS SDK as bundled into the executable).
SMOKE_S3=1 node --import tsx test/smoke/flow.ts "$tmp/bin/neurocards"

# 3c. A Russian-speaking seller, through the Russian screens and buttons.
SMOKE_LANG=ru node --import tsx test/smoke/flow.ts "$tmp/bin/neurocards"

# 4. Backup of that install while nothing runs, restored into a fresh data directory (the archive
#    code, tar and SQLite's backup API as bundled).
fresh_env=(env -i PATH="$PATH" BOT_TOKEN=123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef)
(cd "$tmp/flow" && "${fresh_env[@]}" "$tmp/bin/neurocards" backup --out "$tmp/backups" 2>/dev/null) \
  || { echo "smoke: backup failed" >&2; exit 1; }
archive="$(ls "$tmp/backups/"*.tar.gz | head -n 1)"
restored="$(cd "$tmp/flow" && "${fresh_env[@]}" DATABASE_PATH="$tmp/restored/neurocards.db" \
  STORAGE_PATH="$tmp/restored/files" "$tmp/bin/neurocards" restore "$archive" 2>/dev/null)" \
  || { echo "smoke: restore into a fresh data directory failed" >&2; exit 1; }
# Two users: the seller and the admin who signed in to the console.
echo "$restored" | grep -q "restored 2 users, 1 jobs" \
  || { echo "smoke: the restore did not bring back the user and the job: $restored" >&2; exit 1; }
echo "smoke: backup and restore ok ($restored)"
