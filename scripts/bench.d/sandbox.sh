#!/usr/bin/env bash
# amika sandbox exec, whole process, against starting the same command directly (target:
# ≤ 50 ms over it). Sandboxes with no secret, with a secret from the file store, on a --git
# worktree, and with --network none (a network namespace of its own costs the most). Run by
# scripts/bench, which sets $AMIKA and $BENCH_TMP. Needs bubblewrap.
set -euo pipefail
: "${AMIKA:?run through scripts/bench}" "${BENCH_TMP:?run through scripts/bench}"
command -v bwrap >/dev/null || { echo "sandbox: bubblewrap is not installed (apt install bubblewrap)"; exit 1; }

HOME_BEFORE=$HOME
dir="$BENCH_TMP/sandbox"
rm -rf "$dir" && mkdir -p "$dir/home" "$dir/ws"
export HOME="$dir/home" AMIKA_STORE=file XDG_DATA_HOME= XDG_CONFIG_HOME= XDG_CACHE_HOME= XDG_STATE_HOME= CLAUDE_CONFIG_DIR= CODEX_HOME=
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
"$AMIKA" secret push --yes my-claude-key=sk-ant-api03-bench-0123456789 2>/dev/null
git -C "$dir" init -q -b main repo
git -C "$dir/repo" -c user.name=b -c user.email=b@example.com commit -q --allow-empty -m base
"$AMIKA" sandbox create plain --dir "$dir/ws" 2>/dev/null
"$AMIKA" sandbox create secret --dir "$dir/ws" --secret env:ANTHROPIC_API_KEY=my-claude-key 2>/dev/null
(cd "$dir/repo" && "$AMIKA" sandbox create git --git 2>/dev/null)
"$AMIKA" sandbox create offline --dir "$dir/ws" --network none 2>/dev/null
[ "$("$AMIKA" sandbox exec secret -- /usr/bin/printenv ANTHROPIC_API_KEY)" = sk-ant-api03-bench-0123456789 ]

hyperfine -N --warmup 10 --min-runs 100 --style none --export-json "$dir/hyperfine.json" \
	-n 'true (directly)' "/usr/bin/true" \
	-n 'sandbox exec, no secret' "$AMIKA sandbox exec plain -- /usr/bin/true" \
	-n 'sandbox exec, 1 secret (file store)' "$AMIKA sandbox exec secret -- /usr/bin/true" \
	-n 'sandbox exec, --git worktree' "$AMIKA sandbox exec git -- /usr/bin/true" \
	-n 'sandbox exec, --network none' "$AMIKA sandbox exec offline -- /usr/bin/true" \
	-n 'bwrap alone (same namespaces)' "$(command -v bwrap) --unshare-all --share-net --die-with-parent --ro-bind /usr /usr --ro-bind /etc /etc --symlink usr/lib64 /lib64 --symlink usr/lib /lib --symlink usr/bin /bin --proc /proc --dev /dev --tmpfs /tmp /usr/bin/true" >/dev/null 2>&1

jq -r '.results as $r | ($r[0].median) as $base | $r[] |
	[.command, .median * 1000, (.median - $base) * 1000] | @tsv' "$dir/hyperfine.json" |
	while IFS=$'\t' read -r name ms over; do
		target=""
		case "$name" in 'sandbox exec'*) target=" (target: <= 50 ms over)" ;; esac
		printf '%-38s median %6.2f ms   over true %+7.2f ms%s\n' "$name" "$ms" "$over" "$target"
	done

# The real Claude Code (installed by scripts/clients, outside the system directories, so its
# installation is bound too), when it is there: claude --version directly and in a sandbox.
clients=${AMIKA_TEST_CLIENTS:-${XDG_CACHE_HOME:-$HOME_BEFORE/.cache}/amika/clients/current/node_modules/.bin}
if [ -x "$clients/claude" ]; then
	claude=$(readlink -f "$clients/claude")
	hyperfine -N --warmup 3 --min-runs 30 --style none --export-json "$dir/claude.json" \
		-n 'claude --version (directly)' "$claude --version" \
		-n 'claude --version (sandbox exec)' "$AMIKA sandbox exec plain -- $claude --version" >/dev/null 2>&1
	jq -r '.results as $r | ($r[0].median) as $base | $r[] | [.command, .median * 1000, (.median - $base) * 1000] | @tsv' "$dir/claude.json" |
		while IFS=$'\t' read -r name ms over; do
			printf '%-38s median %6.2f ms   over directly %+7.2f ms\n' "$name" "$ms" "$over"
		done
fi
