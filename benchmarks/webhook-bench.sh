#!/usr/bin/env bash
# Webhook benchmark: POST /mutate admissions/s and p50/p99/p99.9 over HTTPS keep-alive for pods with 1, 5 and 20
# containers, at fixed offered rates (open loop) and at saturation, versus a fixed-answer endpoint in the same server;
# RSS of the webhook JVM; then the ServiceAccount informer with 10,000 accounts in fabric8's mock API server (its own
# JVM), measured 3 times in a fresh JVM that holds only the informer.
# Loopback only; bounded in time (about 7 minutes with the defaults on 2 cores) and in request count.
#   benchmarks/webhook-bench.sh                                  # server with Dockerfile.webhook's ENTRYPOINT flags
#                                                                # and ENV, -XX:MaxRAM = the deploy's memory limit
#   BENCH_JVM="" benchmarks/webhook-bench.sh                     # JVM defaults, for comparison
#   BENCH_JVM_EXTRA="-XX:TieredStopAtLevel=1" benchmarks/webhook-bench.sh   # the image's flags plus these
#   BENCH_SATURATION_REQUESTS=10000 BENCH_WARMUP=5000 BENCH_IDLE_SECONDS=30 # shorter runs; RSS read again after idling
#   BENCH_SECONDS=10 BENCH_RATES=500,2000 BENCH_CONTAINERS=5 benchmarks/webhook-bench.sh
#   BENCH_ACCEPT_ENCODING=gzip benchmarks/webhook-bench.sh admission # ask for gzip, as a real API server does
#   BENCH_ACCOUNTS=50000 benchmarks/webhook-bench.sh informer     # only the informer part
#   benchmarks/webhook-bench.sh admission                         # only the admission part
#   benchmarks/webhook-bench.sh micro                             # CPU µs per admission and per Jackson pass,
#                                                                 # in-process, no HTTP (not part of "all")
set -euo pipefail
cd "$(dirname "$0")/.."
# From the root with -am: the test classpath includes test-support, which only the reactor has (nothing is installed).
mvn -B -ntp -q -pl webhook -am package -DskipTests \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd webhook
classpath="target/test-classes:target/classes:$(cat target/bench.classpath)"
echo "machine: $(nproc) CPUs; $(lscpu | grep 'Model name' | sed 's/ \+/ /g')"
java -version 2>&1 | head -1
if [[ "${1:-all}" == micro ]]; then
  exec java -Xmx512m ${BENCH_MICRO_JVM:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" \
    -Dbench.millis="${BENCH_MILLIS:-1000}" -Dbench.containers="${BENCH_CONTAINERS:-1,5,20}" \
    dev.gcpwif.webhook.bench.AdmissionMicrobench
fi
if [[ "${1:-all}" != informer ]]; then
  props=(-Dbench.seconds="${BENCH_SECONDS:-5}" -Dbench.rates="${BENCH_RATES:-500,2000,5000}"
    -Dbench.containers="${BENCH_CONTAINERS:-1,5,20}" -Dbench.connections="${BENCH_CONNECTIONS:-32}"
    -Dbench.saturationRequests="${BENCH_SATURATION_REQUESTS:-30000}" -Dbench.warmup="${BENCH_WARMUP:-10000}"
    -Dbench.idleSeconds="${BENCH_IDLE_SECONDS:-30}" -Dbench.jvmExtra="${BENCH_JVM_EXTRA:-}"
    -Dbench.acceptEncoding="${BENCH_ACCEPT_ENCODING:-}")
  if [[ -v BENCH_JVM ]]; then props+=("-Dbench.jvm=${BENCH_JVM}"); fi
  java -Xmx512m -cp "$classpath" "${props[@]}" dev.gcpwif.webhook.bench.WebhookBench
fi
if [[ "${1:-all}" != admission ]]; then
  informer_props=(-Dbench.accounts="${BENCH_ACCOUNTS:-10000}" -Dbench.runs="${BENCH_INFORMER_RUNS:-3}")
  if [[ -v BENCH_JVM ]]; then informer_props+=("-Dbench.jvm=${BENCH_JVM}"); fi
  java -Xmx256m -cp "$classpath" "${informer_props[@]}" dev.gcpwif.webhook.bench.InformerBench
fi
