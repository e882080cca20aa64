#!/usr/bin/env bash
# Start-up: amika's hot commands next to the programs a user would otherwise run, and next to
# the floors any program pays here, in one interleaved run (scripts/bench.d/interleave.py).
# The targets (docs/speed.md):
#   credential get (a git record, file store)       <= 1.0 x git credential-store get
#   what eval "$(amika init bash)" adds to a shell   <= 1.0 x what eval "$(direnv hook bash)" adds
#   auth extract (all eight sources)                <= 1.25 x an empty Go program
# Run by scripts/bench, which sets $AMIKA (a static build) and $BENCH_TMP.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${AMIKA:?run through scripts/bench}" "${BENCH_TMP:?run through scripts/bench}"
export PATH="$PATH:/usr/local/go/bin"
repo=$PWD
dir="$BENCH_TMP/startup"
rm -rf "$dir" && mkdir -p "$dir"

# Floors: a minimal static C program (when a C compiler is here), an empty Go program built
# like amika, and a Go program that links and initialises everything amika does (cobra, the
# D-Bus client, …) and returns from main at once.
if command -v cc >/dev/null; then
	printf 'int main(void) { return 0; }\n' >"$dir/c.c"
	cc -O2 -static -o "$dir/c-static" "$dir/c.c" 2>/dev/null || rm -f "$dir/c-static"
fi
mkdir -p "$dir/empty" "$dir/linked"
printf 'package main\n\nfunc main() {}\n' >"$dir/empty/main.go"
printf 'module empty\n\ngo 1.26\n' >"$dir/empty/go.mod"
(cd "$dir/empty" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o ../empty-go .)
cat >"$dir/linked/main.go" <<'EOF'
package main

import (
	"os"

	"github.com/amika-dev/amika/cmd/amika/cli"
)

func main() {
	if len(os.Args) > 1 {
		os.Exit(cli.Main())
	}
}
EOF
printf 'module linked\n\ngo 1.26\n\nrequire github.com/amika-dev/amika v0.0.0\n\nreplace github.com/amika-dev/amika => %s\n' "$repo" >"$dir/linked/go.mod"
cp go.sum "$dir/linked/"
(cd "$dir/linked" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o ../amika-linked .)

# credential get: the same 50 git credentials in amika's file store and in git's own
home="$dir/credential-home"
mkdir -p "$home"
gitstore="$dir/git-credentials"
: >"$gitstore"
for i in $(seq 1 50); do
	req=$(printf 'protocol=https\nhost=host%02d.example.com\nusername=user%d\npassword=password-%064d\n' "$i" "$i" "$i")
	printf '%s\n' "$req" | env -i PATH="$PATH" HOME="$home" AMIKA_STORE=file "$AMIKA" credential store
	printf '%s\n' "$req" | git credential-store --file="$gitstore" store
done
printf 'protocol=https\nhost=host25.example.com\n' >"$dir/git.req"
[ "$(env -i PATH="$PATH" HOME="$home" AMIKA_STORE=file "$AMIKA" credential get <"$dir/git.req")" = "$(git credential-store --file="$gitstore" get <"$dir/git.req")" ]
credential_home=$home

# auth extract: a home holding all eight sources
mkdir -p "$dir/extract-home"
go run ./discovery/internal/fixture/genhome all "$dir/all"
[ -n "$(env -i PATH="$PATH" HOME="$dir/extract-home" "$AMIKA" auth extract --homedir "$dir/all")" ]

# init bash: the home of a Claude Code, Codex, OpenCode and Amp user; direnv's hook in a
# directory without .envrc, as in most directories
home="$dir/shell-home"
mkdir -p "$home/empty" "$home/.claude" "$home/.codex" "$home/.amp" "$home/.local/share/opencode"
printf '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-bench","expiresAt":4102444800000}}' >"$home/.claude/.credentials.json"
printf '{"OPENAI_API_KEY":"sk-proj-bench"}' >"$home/.codex/auth.json"
printf '{"openrouter":{"type":"api","key":"sk-or-bench"}}' >"$home/.local/share/opencode/auth.json"
printf '{"apiKey":"sk-amp-bench"}' >"$home/.amp/config.json"
cd "$home/empty"
# Each run is a new shell's start, so its stamp file is created afresh. Stamps live in
# $XDG_RUNTIME_DIR, a tmpfs in a login session; here a private directory on /dev/shm when
# there is one (on ext4, creating and removing a file per run makes inode allocation
# skip over the many just removed, which a real shell's start does not meet).
runtime_dir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d -p "$dir")
trap 'rm -rf "$runtime_dir"' EXIT

floor=""
[ -x "$dir/c-static" ] && floor="c-static	$dir/c-static"
env -i PATH="$PATH" HOME="$home" AMIKA_STORE=file XDG_RUNTIME_DIR="$runtime_dir" BENCH_ROUNDS="${BENCH_ROUNDS:-300}" python3 "$repo/scripts/bench.d/interleave.py" - <<EOF
clean	$runtime_dir/amika
true	/bin/true
$floor
empty-go	$dir/empty-go
amika-linked	$dir/amika-linked
amika --version	$AMIKA --version
credential get	$AMIKA credential get	stdin=$dir/git.req	HOME=$credential_home
git credential-store get	git credential-store --file=$gitstore get	stdin=$dir/git.req
auth extract	$AMIKA auth extract --homedir $dir/all	HOME=$dir/extract-home
bash	bash --norc --noprofile -c :
bash + amika init	bash --norc --noprofile -c 'eval "\$($AMIKA init bash)"'
bash + direnv hook	bash --norc --noprofile -c 'eval "\$(direnv hook bash)"'
ratio	credential get	git credential-store get	1.0
added	bash + amika init	bash + direnv hook	bash	1.0
ratio	auth extract	empty-go	1.25
ratio	amika-linked	empty-go
ratio	git credential-store get	empty-go
EOF
[ -n "$floor" ] && echo "  (c-static: a static C program that returns 0)"
echo "  (amika-linked: a Go program linking and initialising all amika links, returning at once)"
