#!/usr/bin/env bash
# The README's test command. Installs what the tests need where it is missing (Node.js, Python, Chromium, PostgreSQL's
# server programs, the Node tools), then runs `dotnet test` with any arguments passed through:
#   ./test.sh                                   # the whole suite
#   ./test.sh --filter "Category!=Browser"      # without the playground's browser tests
#   ./test.sh tests/Strata.Models.Tests --filter "FullyQualifiedName~Cli"
set -euo pipefail
cd "$(dirname "$0")"

# System packages come from apt-get, as root: directly when we are root (CI containers), else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "test.sh: '$*' needs root and there is no sudo; run it as root, then ./test.sh again" >&2
    return 1
  fi
}

apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "test.sh: $* missing and there is no apt-get to install it; install $* yourself, then ./test.sh again" >&2
    return 1
  fi
  echo "test.sh: installing $*" >&2
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# Node.js runs the independent reference tools (Hugging Face's JS tokenizers, @huggingface/jinja, Cohere's client).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

# Python 3 (its standard library alone) runs llama.cpp's own quantizer through ctypes (tests/tools/llama-cpp/quantize.py).
if ! command -v python3 >/dev/null; then
  apt_install python3
fi

# Chromium runs the playground's browser tests: Playwright drives the system browser and downloads none.
# STRATA_CHROMIUM names another browser, which is then the caller's to provide.
if [ -z "${STRATA_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi

# PostgreSQL's server programs (initdb, pg_ctl) for the key-store tests, which run against a real server: each test
# process initdb's its own throwaway cluster on a Unix socket in a temporary directory (tests/Shared/Postgres), so no
# system cluster is started here. Debian keeps them off PATH, in /usr/lib/postgresql/VERSION/bin.
# STRATA_TEST_POSTGRES=postgres://… names a running server to use instead.
if [ -z "${STRATA_TEST_POSTGRES:-}" ] && ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt_install postgresql
fi

# The tools' packages, from the lock file. npm writes node_modules/.package-lock.json on every install, so a lock file
# or package.json newer than it (a pull that changed them) means the installed tree is stale.
tools=tests/tools
installed="$tools/node_modules/.package-lock.json"
# NODE_LLAMA_CPP_SKIP_DOWNLOAD: node-llama-cpp's postinstall downloads and compiles nothing (its prebuilt CPU llama.cpp
# is used as shipped); tests/tools/.npmrc omits its optional CUDA/Vulkan/other-platform binaries.
if [ ! -f "$installed" ] || [ "$tools/package-lock.json" -nt "$installed" ] || [ "$tools/package.json" -nt "$installed" ]; then
  NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
fi

exec dotnet test "$@"
