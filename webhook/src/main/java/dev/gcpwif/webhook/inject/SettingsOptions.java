package dev.gcpwif.webhook.inject;

import dev.gcpwif.webhook.mutation.WebhookSettings;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * The webhook-level defaults, shared by every subcommand that mutates pods. Each flag can also come from the
 * environment variable named in its help, as deploy manifests often set configuration that way.
 */
public final class SettingsOptions {
  @Option(names = "--annotation-prefix", paramLabel = "PREFIX",
      defaultValue = "${env:WEBHOOK_ANNOTATION_PREFIX:-cloud.google.com}",
      description = "Prefix of the annotation keys (env WEBHOOK_ANNOTATION_PREFIX). Default: ${DEFAULT-VALUE}")
  String annotationPrefix;

  @Option(names = "--token-audience", paramLabel = "AUDIENCE",
      defaultValue = "${env:WEBHOOK_TOKEN_AUDIENCE:-sts.googleapis.com}",
      description = "Default audience of the projected token (env WEBHOOK_TOKEN_AUDIENCE). Default: ${DEFAULT-VALUE}")
  String tokenAudience;

  @Option(names = "--token-expiration", paramLabel = "SECONDS",
      defaultValue = "${env:WEBHOOK_TOKEN_EXPIRATION:-86400}",
      description = "Default projected token lifetime, seconds, 600 or more (env WEBHOOK_TOKEN_EXPIRATION)."
          + " Default: ${DEFAULT-VALUE}")
  long tokenExpiration;

  @Option(names = "--token-default-mode", paramLabel = "OCTAL", converter = OctalMode.class,
      defaultValue = "${env:WEBHOOK_TOKEN_DEFAULT_MODE:-0444}",
      description = "File mode of the projected volume, octal (env WEBHOOK_TOKEN_DEFAULT_MODE). Default: ${DEFAULT-VALUE}")
  int tokenDefaultMode;

  @Option(names = "--gcp-default-region", paramLabel = "REGION",
      defaultValue = "${env:WEBHOOK_GCP_DEFAULT_REGION}",
      description = "Region for CLOUDSDK_COMPUTE_REGION in injected containers; none when unset"
          + " (env WEBHOOK_GCP_DEFAULT_REGION).")
  String defaultRegion;

  /** @throws IllegalArgumentException naming the flag value that is wrong */
  public WebhookSettings toSettings() {
    return new WebhookSettings(annotationPrefix, tokenAudience, tokenExpiration, tokenDefaultMode, defaultRegion);
  }

  static final class OctalMode implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      if (!value.matches("0?[0-7]{1,3}")) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not an octal file mode like 0444");
      }
      return Integer.parseInt(value, 8);
    }
  }
}
