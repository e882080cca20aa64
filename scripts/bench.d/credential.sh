#!/usr/bin/env bash
# amika credential: the helper's Go benchmarks, then its whole-process cost against git's own
# credential-store helper on a comparable store (50 hosts), interleaved in one run.
# Run by scripts/bench, which exports $AMIKA (a fresh static build) and $BENCH_TMP.
set -euo pipefail
cd "$(dirname "$0")/../.."
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
printf 'provider=openai\n' >"$BENCH_TMP/provider.req"

# sanity: every command finds what it is timed for
[ -n "$("$AMIKA" credential get openai)" ]
[ -n "$("$AMIKA" credential get <"$BENCH_TMP/provider.req")" ]
[ "$("$AMIKA" credential get <"$BENCH_TMP/git.req")" = "$(git credential-store --file="$gitstore" get <"$BENCH_TMP/git.req")" ]

# whole process, interleaved (scripts/bench.d/interleave.py), no shell in between
BENCH_ROUNDS="${BENCH_ROUNDS:-300}" python3 scripts/bench.d/interleave.py - <<EOF
amika --version	$AMIKA --version
credential get openai (bare)	$AMIKA credential get openai
credential get (provider=openai)	$AMIKA credential get	stdin=$BENCH_TMP/provider.req
credential get (git, 50 hosts)	$AMIKA credential get	stdin=$BENCH_TMP/git.req
git credential-store get (50 hosts)	git credential-store --file=$gitstore get	stdin=$BENCH_TMP/git.req
ratio	credential get (git, 50 hosts)	git credential-store get (50 hosts)	1.0
ratio	credential get (provider=openai)	git credential-store get (50 hosts)
ratio	credential get openai (bare)	amika --version
EOF
