#!/usr/bin/env bash
# Metadata sidecar benchmark: cached token requests/s and p50/p99 over loopback keep-alive versus a static JDK server
# with the same JVM flags and versus the same server after one google-auth exchange (the library's floor), RSS and
# peak RSS (VmHWM) after the run, start-up to first served request, and 1,000
# concurrent clients on an empty cache entry (one STS exchange must answer them all; peak RSS after that burst).
# Loopback only; fake STS/IAM in-process; bounded.
#   benchmarks/sidecar-bench.sh                      # flags from metadata-sidecar/jvm.options, 100,000 requests
#   BENCH_CDS=true benchmarks/sidecar-bench.sh       # plus the image's application CDS archive (from --train)
#   BENCH_REQUESTS=1000000 BENCH_CDS=true benchmarks/sidecar-bench.sh   # issue 6: RSS after 1,000,000 requests
#   BENCH_JVM="" benchmarks/sidecar-bench.sh         # JVM defaults, for comparison
#   BENCH_NMT=true benchmarks/sidecar-bench.sh       # native memory and classes by library after the run, native
#                                                    # memory after the cold clients
#   BENCH_REQUESTS=20000 BENCH_CONNECTIONS=2 BENCH_COLD_CLIENTS=200 benchmarks/sidecar-bench.sh
#   BENCH_SLOW=true benchmarks/sidecar-bench.sh      # instead: threads, RSS and answer times while 512 one-byte
#                                                    # connections are held on the metadata port, then 512 more on
#                                                    # the probe port (BENCH_SLOW_CLIENTS=N)
set -euo pipefail
cd "$(dirname "$0")/.."
# From the root with -am: the test classpath includes test-support, which only the reactor has (nothing is installed).
mvn -B -ntp -q -pl metadata-sidecar -am package -DskipTests \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd metadata-sidecar
props=(-Dbench.slow.clients="${BENCH_SLOW_CLIENTS:-512}" -Dbench.requests="${BENCH_REQUESTS:-100000}" -Dbench.connections="${BENCH_CONNECTIONS:-4}" -Dbench.nmt="${BENCH_NMT:-false}" -Dbench.cds="${BENCH_CDS:-false}" -Dbench.cold.clients="${BENCH_COLD_CLIENTS:-1000}")
if [[ -v BENCH_JVM ]]; then props+=("-Dbench.jvm=${BENCH_JVM}"); fi
echo "machine: $(nproc) CPUs; $(lscpu | grep 'Model name' | sed 's/ \+/ /g')"
java -version 2>&1 | head -1
main=dev.gcpwif.sidecar.bench.SidecarBench
if [[ "${BENCH_SLOW:-false}" == true ]]; then main=dev.gcpwif.sidecar.bench.SlowClientCost; fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx256m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" "${props[@]}" "$main"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
