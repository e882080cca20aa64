#!/usr/bin/env bash
# The secrets store: whole-process `amika secret get NAME` with the file backend and with a
# real gnome-keyring (on a private D-Bus session started here), `amika auth extract` with
# AMIKA_STORE=file (which must open no D-Bus connection), and the file backend's Go
# benchmarks. Run by scripts/bench, which exports $AMIKA (a fresh static build) and $BENCH_TMP.
set -euo pipefail
: "${AMIKA:?run through scripts/bench}" "${BENCH_TMP:?run through scripts/bench}"
repo=$(cd "$(dirname "$0")/../.." && pwd)

# built before HOME moves, so the module cache stays the real one
go test -c -o "$BENCH_TMP/store.test" ./store/

home="$BENCH_TMP/secret-home"
mkdir -p "$home"
export HOME="$home" XDG_DATA_HOME= XDG_CONFIG_HOME= XDG_CACHE_HOME= XDG_STATE_HOME= CLAUDE_CONFIG_DIR= CODEX_HOME=

# a store of 50 secrets, the one read among them
env_file="$BENCH_TMP/secrets.env"
for i in $(seq 1 50); do printf 'SECRET_%02d_API_KEY=sk-%064d\n' "$i" "$i"; done >"$env_file"

# file backend
AMIKA_STORE=file "$AMIKA" secret push --yes --from-file "$env_file" 2>/dev/null
[ "$(AMIKA_STORE=file "$AMIKA" secret get SECRET_25_API_KEY)" = "sk-$(printf '%064d' 25)" ]

# gnome-keyring on a bus of its own (DESIGN.md's recipe)
kr="$BENCH_TMP/keyring-home"
mkdir -p "$kr/run" "$kr/.local/share/keyrings"
chmod 700 "$kr/run"
bus=$(HOME="$kr" dbus-daemon --session --fork --nosyslog --print-address=1 --print-pid=1)
bus_addr=$(sed -n 1p <<<"$bus")
bus_pid=$(sed -n 2p <<<"$bus")
trap 'kill "$bus_pid" 2>/dev/null || true' EXIT
kenv=(env HOME="$kr" XDG_DATA_HOME="$kr/.local/share" XDG_RUNTIME_DIR="$kr/run" DBUS_SESSION_BUS_ADDRESS="$bus_addr")
printf pass | "${kenv[@]}" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
"${kenv[@]}" gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
DBUS_SESSION_BUS_ADDRESS="$bus_addr" AMIKA_STORE=keyring "$AMIKA" secret push --yes --from-file "$env_file" 2>/dev/null
[ "$(DBUS_SESSION_BUS_ADDRESS="$bus_addr" AMIKA_STORE=keyring "$AMIKA" secret get SECRET_25_API_KEY)" = "sk-$(printf '%064d' 25)" ]

# the store's Go benchmarks, the keyring ones against this gnome-keyring
AMIKA_BENCH_DBUS="$bus_addr" "$BENCH_TMP/store.test" -test.run '^$' -test.bench . -test.benchtime=1000x | grep -E '^Benchmark'

# a bus address that accepts and never answers: AMIKA_STORE=file must not notice it
hang="$BENCH_TMP/hang.sock"
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64)
c=[]
while True: c.append(s.accept())' "$hang" &
hang_pid=$!
trap 'kill "$bus_pid" "$hang_pid" 2>/dev/null || true' EXIT
until [ -S "$hang" ]; do sleep 0.01; done
mkdir -p "$home/.codex"
printf '{"OPENAI_API_KEY":"sk-proj-%048d"}\n' 1 >"$home/.codex/auth.json"
if strace -f -e trace=connect -o "$BENCH_TMP/extract.trace" env AMIKA_STORE=file DBUS_SESSION_BUS_ADDRESS="unix:path=$hang" "$AMIKA" auth extract >/dev/null 2>&1; then
	if grep -q 'connect(' "$BENCH_TMP/extract.trace"; then
		echo "FAIL: auth extract with AMIKA_STORE=file connected somewhere:"; grep 'connect(' "$BENCH_TMP/extract.trace"; exit 1
	fi
	echo "auth extract with AMIKA_STORE=file: no connect() at all (strace)"
fi

# whole processes, interleaved (scripts/bench.d/interleave.py): each command's backend comes
# from its own environment
BENCH_ROUNDS="${BENCH_ROUNDS:-300}" python3 "$repo/scripts/bench.d/interleave.py" - <<EOF
true (process start)	true
amika --version	$AMIKA --version
secret get (file, 50 secrets)	$AMIKA secret get SECRET_25_API_KEY	AMIKA_STORE=file
secret get (gnome-keyring, 50 secrets)	$AMIKA secret get SECRET_25_API_KEY	AMIKA_STORE=keyring	DBUS_SESSION_BUS_ADDRESS=$bus_addr
secret get (auto -> gnome-keyring)	$AMIKA secret get SECRET_25_API_KEY	AMIKA_STORE=auto	DBUS_SESSION_BUS_ADDRESS=$bus_addr
secret list (gnome-keyring, 50 secrets)	$AMIKA secret list	AMIKA_STORE=keyring	DBUS_SESSION_BUS_ADDRESS=$bus_addr
auth extract (file, hanging bus address)	$AMIKA auth extract	AMIKA_STORE=file	DBUS_SESSION_BUS_ADDRESS=unix:path=$hang
ratio	secret get (file, 50 secrets)	amika --version
ratio	secret get (gnome-keyring, 50 secrets)	amika --version
EOF
echo "  (targets: secret get, file store <= 5 ms; gnome-keyring <= 15 ms)"
