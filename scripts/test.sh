#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET 10 SDK:
# installs the Debian packages the tests need, builds (warnings are errors), runs every test
# project, and ends with one line: "N passed, N failed, N skipped".
# Exits non-zero on a build error, a failed or crashed test, or when no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."

# The interop tests need an independent gRPC peer: Debian's python3-grpcio (run by /usr/bin/python3),
# and the standard health and reflection protos (grpc-proto) to call those services from it. The
# tracing test decodes a loopback capture with Wireshark's tshark. The store's tests and the clusters
# on etcd run Debian's etcd-server.
if ! /usr/bin/python3 -c "import grpc, grpc_tools, google.protobuf" 2>/dev/null \
  || [ ! -f /usr/share/grpc-proto/grpc/health/v1/health.proto ] || [ ! -x /usr/bin/tshark ] || [ ! -x /usr/bin/etcd ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-grpcio python3-grpc-tools python3-protobuf grpc-proto tshark etcd-server etcd-client
fi

dotnet build Cluster.sln -c Release -nologo || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp -d)
# A test that runs 5 minutes is hung (the longest, a 30-fault chaos campaign, takes about 75 s; under
# load twice that): the hang guard kills it rather than let CI wait.
dotnet test Cluster.sln -c Release --no-build -nologo \
  --logger "trx;LogFilePrefix=r" --results-directory "$results" \
  --blame-hang-timeout 300s --blame-hang-dump-type none
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { echo "$counters" | sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done
rm -rf "$results"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the run failed without a failed test on record (a crashed or hung test host)
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
