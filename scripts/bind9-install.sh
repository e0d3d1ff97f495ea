#!/usr/bin/env bash
# Installs Debian's BIND 9 (named, and tsig-keygen from bind9-utils) for the ACME test (test/support/bind9.ts), which
# calls this only when named is missing. Needs root or sudo. The package's own service is neither needed nor started:
# the test runs its own named on a loopback port with a configuration in a temporary folder.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
export DEBIAN_FRONTEND=noninteractive
# Do not let the package start a system named on port 53 (policy-rc.d 101 = action forbidden).
if [ "$(id -u)" = 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
if ! $apt_get install -y --no-install-recommends bind9 bind9-utils >/dev/null 2>&1; then
  $apt_get update >/dev/null
  $apt_get install -y --no-install-recommends bind9 bind9-utils >/dev/null
fi
echo "installed $(/usr/sbin/named -v)" >&2
