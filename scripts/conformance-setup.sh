#!/usr/bin/env bash
# Installs the conformance suite's clients (test/conformance) into two venvs under the user cache, outside the clone:
#   ${XDG_CACHE_HOME:-~/.cache}/cucm-cert-regen/conformance/{main,ris}
# Idempotent and fast when already installed: each venv records the hash of the requirements file it was built from
# and is rebuilt only when that file changes. Prints the python of each venv as VAR=path lines.
set -euo pipefail
cd "$(dirname "$0")/.."

base="${XDG_CACHE_HOME:-$HOME/.cache}/cucm-cert-regen/conformance"
python="${PYTHON:-python3}"
mkdir -p "$base"

provision() { # name requirements-file
  local venv="$base/$1" req="$2" want have
  want="$($python --version 2>&1) $(sha256sum "$req" | cut -d' ' -f1)"
  have="$(cat "$venv/.requirements-hash" 2>/dev/null || true)"
  if [ "$want" = "$have" ] && [ -x "$venv/bin/python" ]; then
    echo "conformance venv $1: up to date ($venv)" >&2
    return
  fi
  echo "conformance venv $1: installing $req into $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  echo "$want" >"$venv/.requirements-hash"
}

provision main test/conformance/requirements.txt
provision ris test/conformance/requirements-ciscoris.txt
