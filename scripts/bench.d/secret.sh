#!/usr/bin/env bash
# The secrets store: whole-process `amika secret get NAME` with the file backend and with a
# real gnome-keyring (on a private D-Bus session started here), `amika auth extract` with
# AMIKA_STORE=file (which must open no D-Bus connection), and the file backend's Go
# benchmarks. Run by scripts/bench, which exports $AMIKA (a fresh static build) and $BENCH_TMP.
set -euo pipefail
: "${AMIKA:?run through scripts/bench}" "${BENCH_TMP:?run through scripts/bench}"

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

# hyperfine -N runs each command without a shell, so every group gets its environment from
# here rather than through env(1), which would add a second exec to each timing.
bench() { # json-name, then hyperfine arguments
	local out="$BENCH_TMP/$1.json"
	shift
	hyperfine -N --warmup 20 --min-runs 100 --export-json "$out" "$@" >/dev/null 2>&1
}
AMIKA_STORE=file bench file \
	-n 'secret get (file, 50 secrets)' "$AMIKA secret get SECRET_25_API_KEY" \
	-n 'amika --version (amika start-up)' "$AMIKA --version" \
	-n 'true (process start baseline)' "true"
AMIKA_STORE=keyring DBUS_SESSION_BUS_ADDRESS="$bus_addr" bench keyring \
	-n 'secret get (gnome-keyring, 50 secrets)' "$AMIKA secret get SECRET_25_API_KEY" \
	-n 'secret list (gnome-keyring, 50 secrets)' "$AMIKA secret list"
AMIKA_STORE=auto DBUS_SESSION_BUS_ADDRESS="$bus_addr" bench auto \
	-n 'secret get (auto -> gnome-keyring)' "$AMIKA secret get SECRET_25_API_KEY"
AMIKA_STORE=file DBUS_SESSION_BUS_ADDRESS="unix:path=$hang" bench extract \
	-n 'auth extract (file, hanging bus address)' "$AMIKA auth extract"

median() { jq -r '.results[] | [.command, .median * 1000] | @tsv' "$BENCH_TMP/$1.json"; }
for group in file keyring auto extract; do
	median "$group"
done | while IFS=$'\t' read -r name ms; do
	target=""
	case "$name" in
	'secret get (file'*) target=" (target <= 5 ms)" ;;
	'secret get (gnome-keyring'*) target=" (target <= 15 ms)" ;;
	esac
	printf '%-42s median %6.2f ms%s\n' "$name" "$ms" "$target"
done

# Load on a shared machine drifts between hyperfine's groups. The same commands interleaved,
# one run of each per round, let the drift hit them alike.
AMIKA_BUS="$bus_addr" python3 - "$AMIKA" <<'PY'
import os, statistics, subprocess, sys, time
amika, bus = sys.argv[1], os.environ["AMIKA_BUS"]
env = dict(os.environ)
cmds = [
    ("true (process start baseline)", ["true"], {}),
    ("amika --version", [amika, "--version"], {}),
    ("secret get (file)", [amika, "secret", "get", "SECRET_25_API_KEY"], {"AMIKA_STORE": "file"}),
    ("secret get (gnome-keyring)", [amika, "secret", "get", "SECRET_25_API_KEY"], {"AMIKA_STORE": "keyring", "DBUS_SESSION_BUS_ADDRESS": bus}),
    ("secret get (auto -> gnome-keyring)", [amika, "secret", "get", "SECRET_25_API_KEY"], {"AMIKA_STORE": "auto", "DBUS_SESSION_BUS_ADDRESS": bus}),
]
times = {name: [] for name, _, _ in cmds}
for _ in range(200):
    for name, argv, extra in cmds:
        start = time.perf_counter()
        subprocess.run(argv, env=dict(env, **extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[name].append(time.perf_counter() - start)
base = statistics.median(times["amika --version"])
print("interleaved, 200 rounds:")
for name, _, _ in cmds:
    m = statistics.median(times[name])
    print(f"  {name:36s} median {m * 1000:6.2f} ms   over amika --version {(m - base) * 1000:+6.2f} ms")
PY
