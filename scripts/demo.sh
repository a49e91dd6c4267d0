#!/usr/bin/env bash
# The main job: a local cluster of three real node processes (n1, n2, n3) in ./.cluster (or $CLUSTER_DIR)
# with the samples online: an Exchange Virtual Server (EVS1, preferred on n1) and a Hyper-V virtual machine
# (VM1, preferred on n2). It shows a live status view until Ctrl-C, then stops everything. Another
# terminal can watch and break it (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x Cluster.Service/bin/Release/net10.0/cluster ]; then
  echo "Building the cluster (the first time takes one to two minutes: NuGet restore, the build, then precompiling it)..."
fi
dotnet build Cluster.Service -c Release -nologo -v minimal -clp:NoSummary
cluster="$PWD/Cluster.Service/bin/Release/net10.0/cluster"
export CLUSTER_DIR="${CLUSTER_DIR:-$PWD/.cluster}"

echo "cluster = $cluster"
echo "CLUSTER_DIR = $CLUSTER_DIR"
exec "$cluster" up --nodes 3 -f samples/exchange.yaml -f samples/hyperv.yaml
