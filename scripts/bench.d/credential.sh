#!/usr/bin/env bash
# amika credential: the helper's whole-process cost, against git's own credential-store
# helper on a comparable store (50 hosts), in the same hyperfine run.
# Run by scripts/bench, which exports $AMIKA (a fresh static build) and $BENCH_TMP.
set -euo pipefail
: "${AMIKA:?run through scripts/bench}" "${BENCH_TMP:?run through scripts/bench}"

go test -run '^$' -bench . -benchtime=2000x ./helper/ | grep -E '^Benchmark'

home="$BENCH_TMP/credential-home"
mkdir -p "$home/.claude" "$home/.codex"
# what a Claude Code and Codex user has: an OAuth file and an API key
printf '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-%s","refreshToken":"sk-ant-ort01-r","expiresAt":4102444800000,"scopes":["user:inference"]}}\n' "$(head -c 48 /dev/zero | tr '\0' a)" >"$home/.claude/.credentials.json"
printf '{"OPENAI_API_KEY":"sk-proj-%s"}\n' "$(head -c 48 /dev/zero | tr '\0' b)" >"$home/.codex/auth.json"

export HOME="$home" AMIKA_STORE=file XDG_DATA_HOME= XDG_CONFIG_HOME= XDG_CACHE_HOME= XDG_STATE_HOME= CLAUDE_CONFIG_DIR= CODEX_HOME=
gitstore="$BENCH_TMP/git-credentials"
: >"$gitstore"
# the same 50 credentials in both stores
for i in $(seq 1 50); do
	req=$(printf 'protocol=https\nhost=host%02d.example.com\nusername=user%d\npassword=password-%064d\n' "$i" "$i" "$i")
	printf '%s\n' "$req" | "$AMIKA" credential store
	printf '%s\n' "$req" | git credential-store --file="$gitstore" store
done
printf 'protocol=https\nhost=host25.example.com\n' >"$BENCH_TMP/git.req"
printf 'provider=anthropic\n' >"$BENCH_TMP/provider.req"

# sanity: every command finds what it is timed for
[ -n "$("$AMIKA" credential get anthropic)" ]
[ -n "$("$AMIKA" credential get <"$BENCH_TMP/provider.req")" ]
[ "$("$AMIKA" credential get <"$BENCH_TMP/git.req")" = "$(git credential-store --file="$gitstore" get <"$BENCH_TMP/git.req")" ]

# The bare form takes no stdin: timed without a shell, next to amika's bare start-up.
hyperfine -N --warmup 20 --export-json "$BENCH_TMP/credential-bare.json" \
	-n 'amika --version' "$AMIKA --version" \
	-n 'amika credential get anthropic' "$AMIKA credential get anthropic" >/dev/null
# The protocol forms read stdin, so all four run through the same shell (hyperfine
# subtracts its start-up), git's helper included.
hyperfine --warmup 20 --export-json "$BENCH_TMP/credential.json" \
	-n 'amika credential get anthropic (bare)' "$AMIKA credential get anthropic" \
	-n 'amika credential get (provider=anthropic)' "$AMIKA credential get <$BENCH_TMP/provider.req" \
	-n 'amika credential get (git, 50 hosts)' "$AMIKA credential get <$BENCH_TMP/git.req" \
	-n 'git credential-store get (50 hosts)' "git credential-store --file=$gitstore get <$BENCH_TMP/git.req" >/dev/null

median() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$1"; }
bare=$(median "$BENCH_TMP/credential-bare.json" 'amika credential get anthropic')
printf 'amika --version (start-up floor, no shell)     median %6.2f ms\n' "$(median "$BENCH_TMP/credential-bare.json" 'amika --version')"
printf 'amika credential get anthropic (no shell)      median %6.2f ms (target <= 5 ms)\n' "$bare"
for n in 'amika credential get anthropic (bare)' 'amika credential get (provider=anthropic)' 'amika credential get (git, 50 hosts)' 'git credential-store get (50 hosts)'; do
	printf '%-46s median %6.2f ms\n' "$n" "$(median "$BENCH_TMP/credential.json" "$n")"
done
git_ms=$(median "$BENCH_TMP/credential.json" 'git credential-store get (50 hosts)')
for n in 'amika credential get (provider=anthropic)' 'amika credential get (git, 50 hosts)'; do
	printf 'ratio %s / git credential-store get: %.2f\n' "$n" "$(echo "$(median "$BENCH_TMP/credential.json" "$n") / $git_ms" | bc -l)"
done
