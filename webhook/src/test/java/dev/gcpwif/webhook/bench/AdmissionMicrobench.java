package dev.gcpwif.webhook.bench;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.admission.AdmissionResult;
import dev.gcpwif.webhook.admission.AdmissionReviewParser;
import dev.gcpwif.webhook.admission.JsonPatchDiff;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * CPU cost of one admission without HTTP or TLS: what {@code MutateEndpoint} does after reading the body (parse the
 * review, {@link AdmissionHandler#handle}, write the response), single-threaded in a loop, in CPU microseconds per
 * admission for pods of 1, 5 and 20 containers; then the cost of each Jackson pass the path is made of, so that a
 * change to the path can be justified by numbers. Run with {@code benchmarks/webhook-bench.sh micro}; add
 * {@code -XX:StartFlightRecording=settings=profile,filename=...} for a profile. Large pods ({@code bench.containers}
 * up to 1,000 and {@code bench.envs}, one container with that many variables) show how the cost scales.
 */
public final class AdmissionMicrobench {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static volatile Object sink;

  public static void main(String[] args) throws Exception {
    int[] sizes = Arrays.stream(System.getProperty("bench.containers", "1,5,20").split(","))
        .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    long millis = Long.getLong("bench.millis", 1000);
    ServiceAccount account = AdmissionReviews.optedInServiceAccount();
    WebhookSettings settings = WebhookSettings.defaults();
    PodMutator mutator = new PodMutator(settings);
    AdmissionHandler handler = new AdmissionHandler(mutator::mutateOwnCopy, (namespace, name) -> Optional.of(account),
        settings.annotationPrefix(), SERIALIZATION);
    AdmissionReviewParser parser = new AdmissionReviewParser(SERIALIZATION);
    JsonMapper json = JsonMapper.builder().build();
    // JIT warm-up of the whole path for every size first: fabric8's model is large, and on a busy machine C2 takes
    // many seconds with it (measured: 1.6 to 2.7 ms of CPU per 1-container admission in the first ten seconds).
    for (int round = 0; round < 3; round++) {
      for (int size : sizes) {
        String body = new String(AdmissionReviews.podCreate(size), StandardCharsets.UTF_8);
        micros(millis, () -> admit(parser, handler, body));
      }
    }

    System.out.println();
    System.out.println("| containers | readTree | unmarshal review (text) | bind review (tree) | bind review, pod apart (tree) "
        + "| clone pod (text) "
        + "| copy pod (token buffer) | pod to tree | tree to pod | mutate | diff pods |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (int size : sizes) {
      String body = new String(AdmissionReviews.podCreate(size), StandardCharsets.UTF_8);
      JsonNode tree = json.readTree(body);
      Pod pod = (Pod) SERIALIZATION.unmarshal(body, AdmissionReview.class).getRequest().getObject();
      pod.getMetadata().setNamespace("payments");
      Pod mutated = mutator.mutate(pod, account);
      if (SERIALIZATION.convertValue(pod, Pod.class) == pod) {
        throw new IllegalStateException("convertValue returned its argument: not a copy");
      }
      JsonNode podTree = SERIALIZATION.convertValue(pod, JsonNode.class);
      // What AdmissionReviewParser does: the review without its object, and the pod bound from its own subtree.
      ObjectNode reviewApart = (ObjectNode) tree.deepCopy();
      JsonNode objectTree = ((ObjectNode) reviewApart.get("request")).remove("object");
      System.out.printf("| %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |%n", size,
          micros(millis, () -> json.readTree(body)),
          micros(millis, () -> SERIALIZATION.unmarshal(body, AdmissionReview.class)),
          micros(millis, () -> SERIALIZATION.convertValue(tree, AdmissionReview.class)),
          micros(millis, () -> {
            AdmissionReview apart = SERIALIZATION.convertValue(reviewApart, AdmissionReview.class);
            apart.getRequest().setObject(SERIALIZATION.convertValue(objectTree, Pod.class));
            return apart;
          }),
          micros(millis, () -> SERIALIZATION.clone(pod)),
          micros(millis, () -> SERIALIZATION.convertValue(pod, Pod.class)),
          micros(millis, () -> SERIALIZATION.convertValue(pod, JsonNode.class)),
          micros(millis, () -> SERIALIZATION.convertValue(podTree, Pod.class)),
          micros(millis, () -> mutateQuietly(mutator, pod, account)),
          micros(millis, () -> JsonPatchDiff.operations(pod, mutated)));
    }

    System.out.println();
    System.out.println("| containers | whole admission µs | parse | handle | write response | patch operations "
        + "| answer bytes | gzip it, as Javalin does for a client that asks (µs) | gzipped bytes |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (int size : sizes) {
      String body = new String(AdmissionReviews.podCreate(size), StandardCharsets.UTF_8);
      AdmissionReview parsed = parser.parse(body);
      AdmissionResult result = handler.handle(parsed);
      String detail = result.detail();
      double whole = micros(millis, () -> admit(parser, handler, body));
      double parse = micros(millis, () -> parseQuietly(parser, body));
      double handle = micros(millis, () -> handleQuietly(handler, parser, body)) - parse;
      double write = micros(millis, () -> SERIALIZATION.asJson(result.review()));
      byte[] answer = SERIALIZATION.asJson(result.review()).getBytes(StandardCharsets.UTF_8);
      double gzip = micros(millis, () -> gzip(answer));
      System.out.printf("| %d | %.0f | %.0f | %.0f | %.0f | %s | %d | %.0f | %d |%n", size, whole, parse, handle, write,
          detail, answer.length, gzip, gzip(answer).length);
    }

    int[] envs = Arrays.stream(System.getProperty("bench.envs", "10,100,1000").split(","))
        .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    System.out.println();
    System.out.println("| env vars in one container | review KiB | whole admission µs | diff pods µs | µs per variable |");
    System.out.println("|---|---|---|---|---|");
    for (int variables : envs) {
      String body = new String(AdmissionReviews.podCreateWithEnv(variables), StandardCharsets.UTF_8);
      Pod pod = (Pod) SERIALIZATION.unmarshal(body, AdmissionReview.class).getRequest().getObject();
      pod.getMetadata().setNamespace("payments");
      Pod mutated = mutator.mutate(pod, account);
      double whole = micros(millis, () -> admit(parser, handler, body));
      double diff = micros(millis, () -> JsonPatchDiff.operations(pod, mutated));
      System.out.printf("| %d | %d | %.0f | %.0f | %.2f |%n", variables, body.length() / 1024, whole, diff,
          whole / variables);
    }
  }

  private static String admit(AdmissionReviewParser parser, AdmissionHandler handler, String body) {
    try {
      return SERIALIZATION.asJson(handler.handle(parser.parse(body)).review());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh deflater per answer at the default level, as Javalin's GZIP strategy compresses one response. */
  private static byte[] gzip(byte[] answer) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(answer.length / 2);
    try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(out)) {
      gzip.write(answer);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static AdmissionReview parseQuietly(AdmissionReviewParser parser, String body) {
    try {
      return parser.parse(body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static AdmissionResult handleQuietly(AdmissionHandler handler, AdmissionReviewParser parser, String body) {
    try {
      return handler.handle(parser.parse(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Pod mutateQuietly(PodMutator mutator, Pod pod, ServiceAccount account) {
    try {
      return mutator.mutate(pod, account);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * CPU µs of this thread per call: the lowest of five batches of {@code millis / 5} each, after {@code millis} of
   * warm-up. Thread CPU time and the best batch, because the machine is shared: wall time would count other
   * processes' turns. GC and JIT threads are not counted; the allocation they clean up after is.
   */
  private static double micros(long millis, Supplier<?> call) {
    for (long end = System.nanoTime() + millis * 1_000_000; System.nanoTime() < end; ) {
      sink = call.get();
    }
    double best = Double.MAX_VALUE;
    for (int batch = 0; batch < 5; batch++) {
      long calls = 0;
      long cpuStart = THREADS.getCurrentThreadCpuTime();
      long end = System.nanoTime() + millis * 1_000_000 / 5;
      do {
        for (int i = 0; i < 20; i++) {
          sink = call.get();
        }
        calls += 20;
      } while (System.nanoTime() < end);
      best = Math.min(best, (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e3 / calls);
    }
    return best;
  }
}
