#!/usr/bin/env bash
# Run with a supported Node on a machine whose own Node is too old, using only the npm registry.
#
#   scripts/use-node.sh npm ci                  # one command, with Node 24 first on PATH if needed
#   eval "$(scripts/use-node.sh --env)"         # the same for this shell (PATH, npm_config_nodedir)
#   scripts/use-node.sh --major 22 npm test     # always that major, whatever the machine has
#
# Without --major, the machine's Node is used when it is at least $floor (package.json's
# engines.node); otherwise Node 24 is fetched. The registry's node-linux-<arch> package holds the
# official binary (bin/node) and headers (include/node), but no npm: the machine's npm runs on it.
# It is unpacked once into .toolchain/ (git-ignored) and the tarball stays in npm's cache, so a
# second run costs nothing (COMFYCORD_TOOLCHAIN_DIR=<folder> keeps it elsewhere, e.g. shared by
# several clones). npm_config_nodedir points node-gyp at those headers, so sqlite3's native module
# is compiled for the Node that runs it.
set -euo pipefail

floor=22.19.0
# Exact versions, and the registry's sha512 of each tarball as it was when pinned.
declare -A pinned=([22]=22.23.5 [24]=24.22.3)
declare -A integrity=(
  [22-x64]="sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=="
  [22-arm64]="sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg=="
  [24-x64]="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
  [24-arm64]="sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=="
)

usage() {
  sed -n '2,7s/^# \{0,1\}//p' "$0" >&2
  exit 2
}
say() { echo "use-node: $*" >&2; }

major="" print_env=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --major) major="${2:-}"; shift 2 ;;
    --env) print_env=true; shift ;;
    -h | --help) usage ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if ! $print_env && [[ $# -eq 0 ]]; then usage; fi

project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# "a.b.c" >= "x.y.z"?
version_at_least() {
  local IFS=.
  local -a have=($1) want=($2)
  local i
  for i in 0 1 2; do
    if ((${have[i]:-0} != ${want[i]:-0})); then
      ((${have[i]:-0} > ${want[i]:-0}))
      return
    fi
  done
}

machine="$(node --version 2>/dev/null || true)"
machine="${machine#v}"
if [[ -z "$major" ]]; then
  if [[ -n "$machine" ]] && version_at_least "$machine" "$floor"; then
    # Nothing to do: this machine's Node is supported.
    if $print_env; then exit 0; fi
    exec "$@"
  fi
  major=24
fi

version="${pinned[$major]:-}"
[[ -n "$version" ]] || { say "no pinned Node $major (have: ${!pinned[*]})"; exit 2; }
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) arch=x64 ;;
  Linux-aarch64 | Linux-arm64) arch=arm64 ;;
  *)
    say "only Linux x64/arm64 are handled here; install Node $major yourself (nodejs.org, nvm, fnm)"
    exit 1
    ;;
esac

toolchain="${COMFYCORD_TOOLCHAIN_DIR:-$project/.toolchain}"
home="$toolchain/node-v$version-linux-$arch"
if [[ "$("$home/bin/node" --version 2>/dev/null || true)" != "v$version" ]]; then
  mkdir -p "$toolchain"
  # One download at a time when several runs start together.
  exec 9>"$toolchain/.lock"
  flock 9
  if [[ "$("$home/bin/node" --version 2>/dev/null || true)" != "v$version" ]]; then
    say "fetching node-linux-$arch@$version from the npm registry (machine has ${machine:-no node})"
    work="$(mktemp -d "$toolchain/.fetch.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && npm pack --silent --ignore-scripts "node-linux-$arch@$version" >/dev/null)
    tarball="$work/node-linux-$arch-$version.tgz"
    got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [[ "$got" != "${integrity[$major-$arch]}" ]]; then
      say "node-linux-$arch@$version: integrity $got does not match the pinned one; refusing it"
      exit 1
    fi
    # Only the binary and the headers; unpacked beside the target and renamed, so an interrupted
    # run never leaves a half folder that looks complete.
    tar -xzf "$tarball" -C "$work" package/bin/node package/include package/LICENSE
    rm -rf "$home"
    mv "$work/package" "$home"
    rm -rf "$work"
    trap - EXIT
  fi
  exec 9>&-
fi

export PATH="$home/bin:$PATH"
# node-gyp (sqlite3) reads $npm_config_nodedir/include/node/{common.gypi,node.h,...}.
export npm_config_nodedir="$home"
if $print_env; then
  printf 'export PATH=%q\nexport npm_config_nodedir=%q\n' "$PATH" "$npm_config_nodedir"
  exit 0
fi
exec "$@"
