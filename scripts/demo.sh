#!/usr/bin/env bash
# The main job, for now: one node (n1) in ./.cluster with a few resources hosted on it, running in
# the foreground until Ctrl-C. Another terminal can watch and break it (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build Cluster.Service -c Release -nologo -v quiet
cluster="Cluster.Service/bin/Release/net10.0/cluster"
export CLUSTER_DIR="${CLUSTER_DIR:-$PWD/.cluster}"

"$cluster" node run --name n1 --deadlock-timeout-ms 5000 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null' EXIT INT TERM

for _ in $(seq 100); do "$cluster" node list 2>/dev/null | grep -q " Up " && break; sleep 0.1; done

# Two applications in the shared monitor, one flaky resource, and one in a dedicated monitor.
"$cluster" resource host web --type GenericApplication \
  --prop "CommandLine=/usr/bin/python3 -m http.server 18080 --bind 127.0.0.1" --prop HealthCheckPort=18080 \
  --looks-alive-ms 1000 --is-alive-ms 5000
"$cluster" resource host worker --type GenericApplication --prop "CommandLine=sleep infinity"
"$cluster" resource host probe --type FaultInjection
"$cluster" resource host isolated --type FaultInjection --separate-monitor

echo
"$cluster" monitor list
echo
"$cluster" resource list
cat <<'TEXT'

The node runs in the foreground; Ctrl-C stops it and everything it started. From another terminal:
  cluster monitor kill --resource web        # kill the shared RHS: web, worker, probe fail; isolated does not
  cluster resource list                      # states, monitors, application PIDs
  kill -9 <application pid>                  # the resource is reported Failed at once
(cluster = Cluster.Service/bin/Release/net10.0/cluster; CLUSTER_DIR is ./.cluster)
TEXT
wait $node
