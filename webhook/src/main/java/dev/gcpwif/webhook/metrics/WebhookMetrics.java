package dev.gcpwif.webhook.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The webhook's Prometheus metrics in the text exposition format 0.0.4, written by hand: a handful of series does not
 * justify a metrics library in an image that sits in every pod's admission path.
 */
public final class WebhookMetrics {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Seconds; admission latency counts against the API server's webhook timeout (10 s by default). */
  static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Map<String, LongAdder> admissions = new ConcurrentSkipListMap<>();
  private final LongAdder[] latencyBucketCounts = new LongAdder[LATENCY_BUCKETS.length];
  private final LongAdder latencyCount = new LongAdder();
  private final DoubleAdder latencySum = new DoubleAdder();
  private final Map<String, Series> extra = new ConcurrentHashMap<>();
  private final List<String> extraOrder = new java.util.concurrent.CopyOnWriteArrayList<>();

  private record Series(String name, String type, String help, DoubleSupplier value,
      Supplier<Map<String, Double>> labelled) {}

  public WebhookMetrics() {
    for (int i = 0; i < latencyBucketCounts.length; i++) {
      latencyBucketCounts[i] = new LongAdder();
    }
  }

  /**
   * Counts one admission and its latency.
   *
   * @param mode injection mode of a mutated pod ({@code direct}, {@code gcloud}, {@code metadata}) or {@code none}
   */
  public void recordAdmission(AdmissionOutcome outcome, String mode, boolean dryRun, double seconds) {
    String labels = "outcome=\"" + outcome.label() + "\",mode=\"" + escape(mode) + "\",dry_run=\"" + dryRun + "\"";
    admissions.computeIfAbsent(labels, k -> new LongAdder()).increment();
    for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]) {
        latencyBucketCounts[i].increment();
      }
    }
    latencyCount.increment();
    latencySum.add(seconds);
  }

  /** A value read at scrape time, such as the informer's sync state or the certificate expiry. */
  public void registerGauge(String name, String help, DoubleSupplier value) {
    register(new Series(name, "gauge", help, value, null));
  }

  /**
   * A gauge with labels, read at scrape time: {@code series} maps a label set ({@code state="stale",namespace="a"},
   * already escaped) to its value; an empty map exports the HELP and TYPE lines alone.
   */
  public void registerGaugeFamily(String name, String help, Supplier<Map<String, Double>> series) {
    register(new Series(name, "gauge", help, null, series));
  }

  /** A monotonically increasing value owned elsewhere (for example certificate reloads). */
  public void registerCounter(String name, String help, DoubleSupplier value) {
    register(new Series(name, "counter", help, value, null));
  }

  private void register(Series series) {
    if (extra.putIfAbsent(series.name(), series) == null) {
      extraOrder.add(series.name());
    }
  }

  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP webhook_admissions_total Admission requests answered, by outcome and injection mode.\n");
    out.append("# TYPE webhook_admissions_total counter\n");
    admissions.forEach((labels, count) ->
        out.append("webhook_admissions_total{").append(labels).append("} ").append(count.sum()).append('\n'));

    out.append("# HELP webhook_admission_duration_seconds Time to answer an admission request.\n");
    out.append("# TYPE webhook_admission_duration_seconds histogram\n");
    for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
      out.append("webhook_admission_duration_seconds_bucket{le=\"").append(format(LATENCY_BUCKETS[i])).append("\"} ")
          .append(latencyBucketCounts[i].sum()).append('\n');
    }
    long count = latencyCount.sum();
    out.append("webhook_admission_duration_seconds_bucket{le=\"+Inf\"} ").append(count).append('\n');
    out.append("webhook_admission_duration_seconds_sum ").append(format(latencySum.sum())).append('\n');
    out.append("webhook_admission_duration_seconds_count ").append(count).append('\n');

    for (String name : new ArrayList<>(extraOrder)) {
      Series series = extra.get(name);
      out.append("# HELP ").append(name).append(' ').append(series.help()).append('\n');
      out.append("# TYPE ").append(name).append(' ').append(series.type()).append('\n');
      if (series.labelled() == null) {
        out.append(name).append(' ').append(format(series.value().getAsDouble())).append('\n');
      } else {
        series.labelled().get().forEach((labels, value) ->
            out.append(name).append('{').append(labels).append("} ").append(format(value)).append('\n'));
      }
    }
    return out.toString();
  }

  static String format(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return String.format(Locale.ROOT, "%s", value);
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
