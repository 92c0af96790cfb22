#!/usr/bin/env bash
# How many connections the real gcloud, gsutil -m and Python google-auth (a thread pool) open to the metadata sidecar
# at once, each from an empty credential cache: the shaded jar behind a counting loopback relay, fake STS/IAM and a
# fake Cloud Storage JSON API in-process. The sidecar's connection cap is chosen from this (BENCHMARKS.md).
#   benchmarks/sidecar-clients.sh
#   BENCH_CAP=4 benchmarks/sidecar-clients.sh     # the same clients against a sidecar capped at 4 connections
set -euo pipefail
cd "$(dirname "$0")/.."
# From the root with -am: the test classpath includes test-support, which only the reactor has (nothing is installed).
mvn -B -ntp -q -pl metadata-sidecar -am package -DskipTests \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd metadata-sidecar
props=()
if [[ -v BENCH_CAP ]]; then props+=("-Dbench.cap=${BENCH_CAP}"); fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx256m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" "${props[@]}" \
  dev.gcpwif.sidecar.bench.ClientConnections
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
