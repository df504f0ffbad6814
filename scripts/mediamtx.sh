#!/usr/bin/env bash
# Prints the path of the MediaMTX binary that tests, benchmarks and
# `make run` start, building it first when needed.
#
# The version is the one compose.yaml runs in production (its
# bluenviron/mediamtx image tag), so the tests meet the same MediaMTX.
# Order: MEDIAMTX_BIN, then a `mediamtx` on PATH, then the cached build
# under ${CAMPLANE_CACHE:-~/.cache/camplane}/mediamtx/<version>/, built here
# from the Go module github.com/bluenviron/mediamtx when absent. The source
# tree of the module lacks two files that upstream's `go generate` downloads:
# internal/core/VERSION (the tag) and internal/servers/hls/hls.min.js (the
# npm package hls.js at the version upstream names). MediaMTX's licence is
# kept beside the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "mediamtx: $*" >&2; }

if [[ -n ${MEDIAMTX_BIN:-} ]]; then
  [[ -x $MEDIAMTX_BIN ]] || { say "MEDIAMTX_BIN=$MEDIAMTX_BIN is not an executable"; exit 1; }
  echo "$MEDIAMTX_BIN"
  exit 0
fi
if on_path=$(command -v mediamtx); then
  echo "$on_path"
  exit 0
fi

version=$(sed -n 's/^ *image: bluenviron\/mediamtx:\([0-9.]*\)$/\1/p' compose.yaml | head -n 1)
[[ -n $version ]] || { say "compose.yaml names no bluenviron/mediamtx:<version> image"; exit 1; }
cache=${CAMPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/camplane}
dest=$cache/mediamtx/v$version
if [[ -x $dest/mediamtx ]]; then
  echo "$dest/mediamtx"
  exit 0
fi

# Go's own installer puts it here, outside the PATH of non-login shells.
command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || PATH=/usr/local/go/bin:$PATH
command -v go >/dev/null || { say "no mediamtx binary and no Go toolchain to build v$version with; install Go or set MEDIAMTX_BIN"; exit 1; }
command -v npm >/dev/null || { say "building MediaMTX needs npm (for hls.js)"; exit 1; }
say "building MediaMTX v$version from its Go module (once; cached in $dest)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

module=github.com/bluenviron/mediamtx@v$version
if ! module_dir=$(cd "$work" && go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') \
  || [[ -z $module_dir ]]; then
  say "the Go module proxy did not serve $module"
  exit 1
fi
cp -R "$module_dir" "$work/src"
chmod -R u+w "$work/src"

printf "v%s" "$version" >"$work/src/internal/core/VERSION"
hlsjs=$(sed 's/^v//' "$work/src/internal/servers/hls/hlsjsdownloader/VERSION")
(cd "$work" && npm pack --silent "hls.js@$hlsjs" >/dev/null)
tar -xzf "$work/hls.js-$hlsjs.tgz" -C "$work" package/dist/hls.min.js
cp "$work/package/dist/hls.min.js" "$work/src/internal/servers/hls/hls.min.js"

(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -o "$work/mediamtx" .)
mkdir -p "$dest"
cp "$work/src/LICENSE" "$dest/LICENSE"
cat >"$dest/SOURCE" <<SOURCE
MediaMTX v$version, built by scripts/mediamtx.sh from the Go module $module
with hls.js $hlsjs (npm) embedded. Licence: LICENSE beside this file (MIT).
SOURCE
# Last and atomic: a half-built cache is never taken for a build.
mv "$work/mediamtx" "$dest/mediamtx"
echo "$dest/mediamtx"
