#!/usr/bin/env bash
# Sandboxes: what `amika sandbox exec NAME -- CMD` costs over running CMD directly (target:
# at most 50 ms), and how much of it is bubblewrap's own. Run by scripts/bench, which
# exports $AMIKA (a fresh static build) and $BENCH_TMP.
set -euo pipefail
: "${AMIKA:?run through scripts/bench}" "${BENCH_TMP:?run through scripts/bench}"
command -v bwrap >/dev/null || { echo "sandbox: no bwrap (apt install bubblewrap): skipped"; exit 0; }

home="$BENCH_TMP/sandbox-home"
mkdir -p "$home" "$BENCH_TMP/sandbox-project"
export HOME="$home" XDG_DATA_HOME= XDG_CONFIG_HOME= XDG_CACHE_HOME= XDG_STATE_HOME= AMIKA_STORE=file

# a plain sandbox, and one that reads a secret and writes a Claude login at each start
"$AMIKA" secret push --yes my-key=sk-ant-api03-bench-0123456789 2>/dev/null
printf '%s' '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-bench","refreshToken":"sk-ant-ort01-bench","expiresAt":4102444800000}}' >"$BENCH_TMP/login.json"
"$AMIKA" secret claude push --type oauth --from-file "$BENCH_TMP/login.json" --yes 2>/dev/null
"$AMIKA" sandbox create plain --dir "$BENCH_TMP/sandbox-project" 2>/dev/null
"$AMIKA" sandbox create secrets --dir "$BENCH_TMP/sandbox-project" --secret env:ANTHROPIC_API_KEY=my-key --claude oauth 2>/dev/null
[ "$("$AMIKA" sandbox exec secrets -- sh -c 'echo $ANTHROPIC_API_KEY')" = sk-ant-api03-bench-0123456789 ]

# bubblewrap alone, with the same namespaces and a comparable view
bw=(bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try --cap-drop ALL --die-with-parent
	--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --ro-bind /etc /etc
	--dev /dev --proc /proc --tmpfs /tmp)

out="$BENCH_TMP/sandbox.json"
hyperfine -N --warmup 20 --min-runs 100 --export-json "$out" \
	-n 'true (directly)' 'true' \
	-n 'bwrap … true (bubblewrap alone)' "${bw[*]} true" \
	-n 'amika sandbox exec plain -- true' "$AMIKA sandbox exec plain -- true" \
	-n 'amika sandbox exec secrets -- true (a secret, a Claude login)' "$AMIKA sandbox exec secrets -- true" >/dev/null 2>&1
jq -r '.results[] | [.command, .median * 1000] | @tsv' "$out" | {
	base=""
	while IFS=$'\t' read -r name ms; do
		[ -n "$base" ] || base=$ms
		over=$(awk -v a="$ms" -v b="$base" 'BEGIN { printf "%+.2f", a - b }')
		target=""
		case "$name" in amika*) target=" (target: <= +50 ms)" ;; esac
		printf '%-62s median %6.2f ms  %s ms over true%s\n' "$name" "$ms" "$over" "$target"
	done
}
