#!/usr/bin/env bash
# Runs one scenario and takes a picture of its HTML report with headless Chromium (apt-get install chromium):
#   bash scripts/scenario-picture.sh scenarios/deadlock-recovery.yaml docs/images/scenario-deadlock-recovery.png
set -euo pipefail
scenario=${1:?a scenario file}
picture=${2:?where the PNG goes}
cd "$(dirname "$0")/.."
report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT
Cluster.Service/bin/Release/net10.0/cluster scenario run "$scenario" --report "$report"
chromium --headless --no-sandbox --hide-scrollbars --window-size=1150,580 --screenshot="$(realpath -m "$picture")" "file://$report/index.html" 2>/dev/null
echo "picture: $picture"
