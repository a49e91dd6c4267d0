#!/usr/bin/env bash
# The main job: node n1 in ./.cluster (or $CLUSTER_DIR) with the samples (an Exchange Virtual Server and a
# Hyper-V virtual machine) online, in the foreground until Ctrl-C. Another terminal can watch and break it
# (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build Cluster.Service -c Release -nologo -v quiet
cluster="$PWD/Cluster.Service/bin/Release/net10.0/cluster"
export CLUSTER_DIR="${CLUSTER_DIR:-$PWD/.cluster}"

"$cluster" node run --name n1 --deadlock-timeout-ms 5000 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null' EXIT INT TERM

for _ in $(seq 100); do "$cluster" node list 2>/dev/null | grep -q " Up " && break; sleep 0.1; done

# Declared in one file each; applying again changes nothing. Both files set persistentState: Online.
"$cluster" apply -f samples/exchange.yaml
"$cluster" apply -f samples/hyperv.yaml
"$cluster" group online EVS1 --wait 60
"$cluster" group online VM1 --wait 60

echo
"$cluster" status
cat <<TEXT

The node runs in the foreground; Ctrl-C stops it and everything it started. From another terminal
(cluster = $cluster, CLUSTER_DIR = $CLUSTER_DIR):
  cluster log --follow                            # every state change, with causes and event ids
  cluster monitor kill --resource EVS1-SMTP       # SIGKILL the shared RHS: its resources fail and come back
  kill -9 <pid of EVS1-SMTP from cluster status>  # Failed at once (1069), running again 0.5 s later
  cluster resource fail EVS1-Store                # a simulated failure: IMAP4 and POP3 go down and come back with it
  cluster group offline EVS1                      # reverse dependency order; left alone until group online
TEXT
wait $node
