#!/usr/bin/env bash
# Shell hooks: the per-prompt cost of amika's fast path (nothing changed) in bash, zsh and
# fish, next to direnv's own prompt hook in bash (in a directory without .envrc), measured
# the same way in the same run: N hook calls inside one shell, divided by N, median of
# several rounds. Then the slow path (one refresh, a whole amika process) and a shell's start,
# interleaved.
# Run by scripts/bench, which sets $AMIKA and $BENCH_TMP.
set -euo pipefail
: "${AMIKA:?run me through scripts/bench}" "${BENCH_TMP:?}"
repo=$(cd "$(dirname "$0")/../.." && pwd)

N=${HOOK_BENCH_N:-10000}       # amika hook calls per round
DIRENV_N=${HOOK_BENCH_DIRENV_N:-300}
ROUNDS=${HOOK_BENCH_ROUNDS:-7}

# the fixture home: a credential in most sources, an OAuth token with an expiry far ahead
# (so the expiry check runs at every prompt), nothing in the others
home=$BENCH_TMP/hook-home
mkdir -p "$home"/.claude "$home"/.codex "$home"/.amp "$home"/.local/share/opencode "$home/empty"
printf '{"primaryApiKey":"sk-ant-api03-%s"}' "$(printf 'x%.0s' {1..80})" >"$home/.claude.json.api"
printf '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-bench","expiresAt":4102444800000}}' >"$home/.claude/.credentials.json"
printf '{"OPENAI_API_KEY":"sk-proj-bench"}' >"$home/.codex/auth.json"
printf '{"openrouter":{"type":"api","key":"sk-or-bench"}}' >"$home/.local/share/opencode/auth.json"
printf '{"apiKey":"sk-amp-bench"}' >"$home/.amp/config.json"

# a clean environment: the fixture home, the file store, no XDG overrides, no keyring
run_env=(env -i PATH="$PATH" HOME="$home" AMIKA_STORE=file LANG=C.UTF-8 TERM=dumb)

# "median min" of the numbers on stdin: the median is the figure; the minimum is the least
# disturbed by other work on the machine
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1]}'; }

# bash: µs per call of $1 (a command), N calls a round, minus the empty loop
bash_per_call() {
	local cmd=$1 n=$2 setup=$3
	"${run_env[@]}" bash --norc --noprofile -c "$setup"'
		'"$cmd"'
		for ((r = 0; r < '"$ROUNDS"'; r++)); do
			s=$EPOCHREALTIME; for ((i = 0; i < '"$n"'; i++)); do :; done; e=$EPOCHREALTIME
			empty=$(( (${e/./} - ${s/./}) ))
			s=$EPOCHREALTIME; for ((i = 0; i < '"$n"'; i++)); do '"$cmd"'; done; e=$EPOCHREALTIME
			echo "$(( ${e/./} - ${s/./} - empty ))" '"$n"'
		done' | awk '{printf "%.2f\n", $1 / $2}' | median
}

zsh_per_call() {
	"${run_env[@]}" zsh -f -c '
		zmodload zsh/datetime
		eval "$("$0" init zsh --no-completion 2>/dev/null)"
		_amika_hook
		for ((r = 0; r < '"$ROUNDS"'; r++)); do
			s=$EPOCHREALTIME; for ((i = 0; i < '"$N"'; i++)); do :; done; e=$EPOCHREALTIME
			(( empty = e - s ))
			s=$EPOCHREALTIME; for ((i = 0; i < '"$N"'; i++)); do _amika_hook; done; e=$EPOCHREALTIME
			printf "%.2f\n" $(( (e - s - empty) * 1e6 / '"$N"' ))
		done' "$AMIKA" | median
}

fish_per_call() {
	"${run_env[@]}" fish --no-config -c '
		'"$(printf '%q' "$AMIKA")"' init fish --no-completion 2>/dev/null | source
		_amika_hook
		set -l range (seq '"$N"')
		for r in (seq '"$ROUNDS"')
			set -l s (date +%s%N)
			for i in $range; end
			set -l e (date +%s%N)
			set -l empty (math "$e - $s")
			set s (date +%s%N)
			for i in $range; _amika_hook; end
			set e (date +%s%N)
			math --scale 2 "($e - $s - $empty) / 1000 / '"$N"'"
		end' | median
}

cd "$home/empty" # no .envrc here: direnv's hook has nothing to load, as in most directories
amika_bash=$(bash_per_call _amika_hook "$N" 'eval "$("'"$AMIKA"'" init bash --no-completion 2>/dev/null)"')
amika_zsh=$(zsh_per_call)
amika_fish=$(fish_per_call)
direnv_bash=$(bash_per_call _direnv_hook "$DIRENV_N" 'eval "$(direnv hook bash)"')

echo "per-prompt cost when nothing changed (µs per prompt: median, and best of $ROUNDS rounds):"
show() { printf '  %-24s %9.2f µs   (best %.2f; %s calls a round)\n' "$1" "$2" "$3" "$4"; }
show "amika fast path, bash" $amika_bash "$N"
show "amika fast path, zsh" $amika_zsh "$N"
show "amika fast path, fish" $amika_fish "$N"
show "direnv hook, bash" $direnv_bash "$DIRENV_N, no .envrc"
read -r a _ <<<"$amika_bash"
read -r d _ <<<"$direnv_bash"
awk -v a="$a" -v d="$d" 'BEGIN { printf "  direnv / amika in bash: %.0f×\n", d / a }'

# the slow path: one refresh, a whole amika process, with the fixture home; and the init a
# shell's start runs, next to direnv's (interleaved, scripts/bench.d/interleave.py)
echo "slow path and init (whole processes):"
# each run is a new shell's: its stamp is created afresh, in $XDG_RUNTIME_DIR on a tmpfs as
# in a login session (see startup.sh)
runtime_dir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d -p "$BENCH_TMP")
trap 'rm -rf "$runtime_dir"' EXIT
"${run_env[@]}" XDG_RUNTIME_DIR="$runtime_dir" BENCH_ROUNDS="${BENCH_ROUNDS:-300}" python3 "$repo/scripts/bench.d/interleave.py" - <<EOF
clean	$runtime_dir/amika
refresh (bash)	$AMIKA init bash --refresh-id 0123abcd --slot 0 --no-completion
refresh (fish)	$AMIKA init fish --refresh-id 0123abcd --slot 0 --no-completion
amika init bash	$AMIKA init bash
direnv hook bash	direnv hook bash
amika --version	$AMIKA --version
ratio	refresh (bash)	amika --version
ratio	amika init bash	direnv hook bash
EOF
echo "  (a shell's whole start with each, the target, is in scripts/bench.d/startup.sh)"
