package dev.gcpwif.webhook.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Flags the Go webhook's chart passes that mean nothing here: accepted, so its arguments start this webhook, and
 * each one given is named in a warning at start.
 */
public final class GoChartOptions {
  private static final String ZAP = "the Go webhook's logger (zap) setting; ignored here, where logging is "
      + "configured with logback";

  @Option(names = "--zap-devel", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "Ignored: " + ZAP + ".")
  String zapDevel;

  @Option(names = "--zap-log-level", paramLabel = "LEVEL", description = "Ignored: " + ZAP + ".")
  String zapLogLevel;

  @Option(names = "--zap-encoder", paramLabel = "ENCODER", description = "Ignored: " + ZAP + ".")
  String zapEncoder;

  @Option(names = "--zap-stacktrace-level", paramLabel = "LEVEL", description = "Ignored: " + ZAP + ".")
  String zapStacktraceLevel;

  @Option(names = "--zap-time-encoding", paramLabel = "ENCODING", description = "Ignored: " + ZAP + ".")
  String zapTimeEncoding;

  @Option(names = "--gcloud-image", paramLabel = "IMAGE",
      description = "Ignored: the image of the Go webhook's gcloud setup init container; none is added here.")
  String gcloudImage;

  @Option(names = "--setup-container-resources", paramLabel = "JSON",
      description = "Ignored: the resources of the Go webhook's gcloud setup init container; none is added here.")
  String setupContainerResources;

  /** One line per flag given, saying why it has no effect. */
  public List<String> warnings() {
    List<String> warnings = new ArrayList<>();
    warnIfGiven(warnings, "--zap-devel", zapDevel, ZAP);
    warnIfGiven(warnings, "--zap-log-level", zapLogLevel, ZAP);
    warnIfGiven(warnings, "--zap-encoder", zapEncoder, ZAP);
    warnIfGiven(warnings, "--zap-stacktrace-level", zapStacktraceLevel, ZAP);
    warnIfGiven(warnings, "--zap-time-encoding", zapTimeEncoding, ZAP);
    warnIfGiven(warnings, "--gcloud-image", gcloudImage,
        "the Go webhook's gcloud setup init container image; no init container is added here");
    warnIfGiven(warnings, "--setup-container-resources", setupContainerResources,
        "the Go webhook's gcloud setup init container resources; no init container is added here");
    return warnings;
  }

  private static void warnIfGiven(List<String> warnings, String flag, String value, String why) {
    if (value != null) {
      warnings.add(flag + "=" + value + " ignored: " + why);
    }
  }
}
