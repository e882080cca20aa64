#!/usr/bin/env bash
# amika auth extract, whole process: a home holding all eight sources (target: median
# ≤ 3 ms) and a home whose ~/.claude.json is a heavy user's 6 MiB (target: median ≤ 20 ms,
# peak RSS ≤ 20 MiB). Run by scripts/bench, which sets $AMIKA and $BENCH_TMP.
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

"${run[@]}" "$(command -v hyperfine)" -N --warmup 20 --min-runs 200 --style none --export-json "$dir/hyperfine.json" \
	-n all-sources "$AMIKA auth extract --homedir $dir/all" \
	-n claude-json-6mib "$AMIKA auth extract --homedir $dir/big" \
	-n amika-version "$AMIKA --version" \
	-n empty-go-program "$dir/empty/empty-go" \
	-n baseline-true "/bin/true" >/dev/null

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

echo "-- whole process (hyperfine -N; targets: all-sources median ≤ 3 ms, 6 MiB median ≤ 20 ms, RSS ≤ 20 MiB)"
# hyperfine's JSON, one result per command; read without jq.
tr -d '\n ' <"$dir/hyperfine.json" | grep -o '"command":"[^"]*","mean":[0-9.e-]*,"stddev":[0-9.e-]*,"median":[0-9.e-]*,"user":[0-9.e-]*,"system":[0-9.e-]*,"min":[0-9.e-]*' |
	awk -F'[:,"]+' -v ra="$rss_all" -v rb="$rss_big" '{
		rss = "-"
		if ($3 == "all-sources") rss = sprintf("%.1f MiB", ra / 1024)
		if ($3 == "claude-json-6mib") rss = sprintf("%.1f MiB", rb / 1024)
		printf "%-18s median %6.2f ms  min %6.2f ms  mean %6.2f ± %5.2f ms  cpu %5.2f ms  peak RSS %s\n", $3, $9 * 1000, $15 * 1000, $5 * 1000, $7 * 1000, ($11 + $13) * 1000, rss
	}'
