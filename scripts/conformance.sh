#!/usr/bin/env bash
# The conformance suite: Cisco's and the community's own clients (unicon.plugins vos, zeep strict with Cisco's WSDLs,
# ciscoaxl, ciscoris, OpenSSH under tmux) against a simulator the suite starts on the real ports (8443, 22).
# `npm run test:conformance`; extra arguments go to pytest (e.g. -k risport).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/conformance-setup.sh
base="${XDG_CACHE_HOME:-$HOME/.cache}/cucm-cert-regen/conformance"
cd test/conformance
status=0
# pytest exits 5 when it ran nothing: fine for a filtered run (-k ...), a failure for the whole suite.
run() { "$@" || { rc=$?; if [ "$rc" = 5 ] && [ "$filtered" = yes ]; then :; else status=$rc; fi; }; }
filtered=$([ $# -gt 0 ] && echo yes || echo no)
echo "== conformance: unicon.plugins vos, zeep (RisPort70, Control Center Services, PerfMon), ciscoaxl, OpenSSH"
run "$base/main/bin/python" -m pytest suite -p no:cacheprovider -W ignore::urllib3.exceptions.InsecureRequestWarning "$@"
echo "== conformance: ciscoris (its own venv)"
run "$base/ris/bin/python" -m pytest ciscoris -p no:cacheprovider -W ignore::Warning "$@"
exit $status
