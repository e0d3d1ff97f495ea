#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries (postgresql-<major>, default 15) for the production suite and
# scripts/postgres.ts, which calls this only when /usr/lib/postgresql/<major>/bin is missing. Needs root or sudo.
# The package's own service is neither needed nor started by the suite: it runs its own cluster in a temporary folder.
set -euo pipefail
major="${1:-15}"
if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
export DEBIAN_FRONTEND=noninteractive
# Do not let the package start a system cluster on port 5432 (policy-rc.d 101 = action forbidden).
if [ "$(id -u)" = 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
if ! $apt_get install -y --no-install-recommends "postgresql-$major" >/dev/null 2>&1; then
  $apt_get update >/dev/null
  $apt_get install -y --no-install-recommends "postgresql-$major" >/dev/null
fi
echo "installed postgresql-$major: $(/usr/lib/postgresql/"$major"/bin/initdb --version)" >&2
