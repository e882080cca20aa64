#!/usr/bin/env bash
# amika auth extract, whole process, interleaved with an empty Go program: a home holding all
# eight sources (target: median ≤ 3 ms, ≤ 1.25 × the empty program) and a home whose
# ~/.claude.json is a heavy user's 6 MiB (target: median ≤ 20 ms, peak RSS ≤ 20 MiB). Run by
# scripts/bench, which sets $AMIKA and $BENCH_TMP.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${AMIKA:?run through scripts/bench}" "${BENCH_TMP:?run through scripts/bench}"
export PATH="$PATH:/usr/local/go/bin"
if [ ! -x /usr/bin/time ]; then
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq time >/dev/null
fi

dir="$BENCH_TMP/extract"
rm -rf "$dir" && mkdir -p "$dir"
go run ./discovery/internal/fixture/genhome all "$dir/all"
go run ./discovery/internal/fixture/genhome claude-json "$dir/big"

# The floor any Go program pays on this machine: an empty main, built like amika.
mkdir -p "$dir/empty"
printf 'package main\n\nfunc main() {}\n' >"$dir/empty/main.go"
printf 'module empty\n\ngo 1.26\n' >"$dir/empty/go.mod"
(cd "$dir/empty" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o empty-go .)

# A clean environment: no XDG or agent overrides, no keyring session, default store.
run=(env -i PATH=/usr/bin:/bin HOME="$dir/empty-home")

echo "-- go test -bench (discovery, in process)"
go test ./discovery -run '^$' -bench 'Discover|ClaudeJSON6MiB' -benchmem -count 1 | grep -E '^Benchmark'

"${run[@]}" BENCH_ROUNDS="${BENCH_ROUNDS:-300}" python3 scripts/bench.d/interleave.py - >"$dir/times.txt" <<EOF
all-sources	$AMIKA auth extract --homedir $dir/all
claude-json-6mib	$AMIKA auth extract --homedir $dir/big
amika --version	$AMIKA --version
empty-go-program	$dir/empty/empty-go
true	/bin/true
ratio	all-sources	empty-go-program	1.25
EOF

rss() { # peak RSS in KiB over 20 runs: the largest
	local max=0 kib
	for _ in $(seq 20); do
		kib=$("${run[@]}" /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
		((kib > max)) && max=$kib
	done
	echo "$max"
}
rss_all=$(rss "$AMIKA" auth extract --homedir "$dir/all")
rss_big=$(rss "$AMIKA" auth extract --homedir "$dir/big")

echo "-- whole process (targets: all-sources median <= 3 ms and <= 1.25 x an empty Go program, 6 MiB median <= 20 ms, RSS <= 20 MiB)"
cat "$dir/times.txt"
awk -v a="$rss_all" -v b="$rss_big" 'BEGIN { printf "  peak RSS (largest of 20 runs): all-sources %.1f MiB, claude-json-6mib %.1f MiB\n", a / 1024, b / 1024 }'
