package dev.gcpwif.webhook.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class WebhookMetricsTest {
  /** One sample line of the Prometheus text format: name, optional {labels}, value. */
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? (\\S+)");

  @Test
  void admissionsAreCountedByOutcomeModeAndDryRun() {
    WebhookMetrics metrics = new WebhookMetrics();
    metrics.recordAdmission(AdmissionOutcome.MUTATED, "direct", false, 0.003);
    metrics.recordAdmission(AdmissionOutcome.MUTATED, "direct", false, 0.004);
    metrics.recordAdmission(AdmissionOutcome.MUTATED, "direct", true, 0.004);
    metrics.recordAdmission(AdmissionOutcome.DENIED, "none", false, 0.2);

    Map<String, String> samples = parse(metrics.render());

    assertThat(samples)
        .containsEntry("webhook_admissions_total{outcome=\"mutated\",mode=\"direct\",dry_run=\"false\"}", "2")
        .containsEntry("webhook_admissions_total{outcome=\"mutated\",mode=\"direct\",dry_run=\"true\"}", "1")
        .containsEntry("webhook_admissions_total{outcome=\"denied\",mode=\"none\",dry_run=\"false\"}", "1");
  }

  @Test
  void latencyHistogramIsCumulative() {
    WebhookMetrics metrics = new WebhookMetrics();
    metrics.recordAdmission(AdmissionOutcome.UNCHANGED, "none", false, 0.003);
    metrics.recordAdmission(AdmissionOutcome.UNCHANGED, "none", false, 0.2);
    metrics.recordAdmission(AdmissionOutcome.UNCHANGED, "none", false, 30);

    Map<String, String> samples = parse(metrics.render());

    assertThat(samples)
        .containsEntry("webhook_admission_duration_seconds_bucket{le=\"0.001\"}", "0")
        .containsEntry("webhook_admission_duration_seconds_bucket{le=\"0.005\"}", "1")
        .containsEntry("webhook_admission_duration_seconds_bucket{le=\"0.25\"}", "2")
        .containsEntry("webhook_admission_duration_seconds_bucket{le=\"10\"}", "2")
        .containsEntry("webhook_admission_duration_seconds_bucket{le=\"+Inf\"}", "3")
        .containsEntry("webhook_admission_duration_seconds_count", "3")
        .containsEntry("webhook_admission_duration_seconds_sum", "30.203");
  }

  @Test
  void registeredGaugesAreReadAtScrapeTime() {
    WebhookMetrics metrics = new WebhookMetrics();
    boolean[] synced = {false};
    metrics.registerGauge("webhook_serviceaccount_informer_synced", "synced", () -> synced[0] ? 1 : 0);

    assertThat(parse(metrics.render())).containsEntry("webhook_serviceaccount_informer_synced", "0");
    synced[0] = true;
    assertThat(parse(metrics.render())).containsEntry("webhook_serviceaccount_informer_synced", "1");
  }

  @Test
  void aGaugeFamilyExportsOneSamplePerLabelSetReadAtScrapeTimeAndNoneWhenEmpty() {
    WebhookMetrics metrics = new WebhookMetrics();
    Map<String, Double> series = new LinkedHashMap<>();
    metrics.registerGaugeFamily("webhook_audit_pods", "pods found", () -> series);

    assertThat(metrics.render()).contains("# TYPE webhook_audit_pods gauge\n").doesNotContain("webhook_audit_pods{");
    series.put("state=\"uninjected\",namespace=\"payments\"", 2.0);
    series.put("state=\"stale\",namespace=\"payments\"", 1.0);

    assertThat(parse(metrics.render()))
        .containsEntry("webhook_audit_pods{state=\"uninjected\",namespace=\"payments\"}", "2")
        .containsEntry("webhook_audit_pods{state=\"stale\",namespace=\"payments\"}", "1");
  }

  @Test
  void everyFamilyHasHelpAndTypeBeforeItsSamples() {
    WebhookMetrics metrics = new WebhookMetrics();
    metrics.recordAdmission(AdmissionOutcome.ERROR, "none", false, 0.01);
    metrics.registerCounter("webhook_tls_certificate_reloads_total", "reloads", () -> 2);
    String text = metrics.render();

    List<String> families = List.of("webhook_admissions_total", "webhook_admission_duration_seconds",
        "webhook_tls_certificate_reloads_total");
    for (String family : families) {
      int help = text.indexOf("# HELP " + family + " ");
      int type = text.indexOf("# TYPE " + family + " ");
      int sample = text.indexOf("\n" + family);
      assertThat(help).as(family).isGreaterThanOrEqualTo(0).isLessThan(type);
      assertThat(type).as(family).isLessThan(sample);
    }
    assertThat(text).endsWith("\n").contains("# TYPE webhook_admission_duration_seconds histogram");
  }

  /** Parses every line, failing on anything that is neither a comment nor a valid sample. */
  static Map<String, String> parse(String text) {
    Map<String, String> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("sample line %s", line).isTrue();
      assertThat(m.group(3)).as("value of %s", line).matches("-?[0-9.eE+-]+|NaN|[+-]Inf");
      samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), m.group(3));
    }
    return samples;
  }
}
