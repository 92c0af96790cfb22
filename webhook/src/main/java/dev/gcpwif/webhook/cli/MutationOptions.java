package dev.gcpwif.webhook.cli;

import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Cluster-wide mutation defaults shared by {@code serve} and {@code inject}. Flag names follow the Go webhook this
 * project replaces, so existing deployments keep their arguments.
 */
public final class MutationOptions {
  private static final WebhookSettings DEFAULTS = WebhookSettings.defaults();

  @Option(
      names = "--annotation-prefix",
      paramLabel = "PREFIX",
      defaultValue = "${env:WEBHOOK_ANNOTATION_PREFIX:-cloud.google.com}",
      description = "Prefix of the ServiceAccount and Pod annotations (env WEBHOOK_ANNOTATION_PREFIX; default: ${DEFAULT-VALUE}).")
  String annotationPrefix;

  @Option(
      names = "--token-audience",
      paramLabel = "AUDIENCE",
      defaultValue = "${env:WEBHOOK_TOKEN_AUDIENCE:-sts.googleapis.com}",
      description = "Default audience of the projected ServiceAccount token (env WEBHOOK_TOKEN_AUDIENCE; default: ${DEFAULT-VALUE}).")
  String tokenAudience;

  @Option(
      names = "--token-expiration",
      paramLabel = "SECONDS",
      defaultValue = "${env:WEBHOOK_TOKEN_EXPIRATION:-86400}",
      converter = TokenExpirationConverter.class,
      description = "Default lifetime of the projected token: seconds, or a Go duration like 24h, 90m or 3600s as the Go webhook takes; at least 600 seconds (env WEBHOOK_TOKEN_EXPIRATION; default: ${DEFAULT-VALUE}).")
  long tokenExpirationSeconds;

  @Option(
      names = "--token-default-mode",
      paramLabel = "MODE",
      defaultValue = "${env:WEBHOOK_TOKEN_DEFAULT_MODE:-0444}",
      converter = FileModeConverter.class,
      description = "File mode of the projected token and configuration files, octal with a leading 0 (0444) or decimal (292) (env WEBHOOK_TOKEN_DEFAULT_MODE; default: ${DEFAULT-VALUE}).")
  int tokenDefaultMode;

  @Option(
      names = "--gcp-default-region",
      paramLabel = "REGION",
      defaultValue = "${env:WEBHOOK_GCP_DEFAULT_REGION}",
      description = "Region injected as CLOUDSDK_COMPUTE_REGION when set (env WEBHOOK_GCP_DEFAULT_REGION; default: none).")
  String gcpDefaultRegion;

  /** @param sidecar the metadata sidecar's settings, from {@link SidecarOptions} */
  public WebhookSettings toSettings(SidecarSettings sidecar) {
    String region = gcpDefaultRegion == null || gcpDefaultRegion.isBlank() ? DEFAULTS.defaultRegion() : gcpDefaultRegion;
    return new WebhookSettings(annotationPrefix, tokenAudience, tokenExpirationSeconds, tokenDefaultMode, region,
        sidecar);
  }

  /**
   * The settings of a command that takes both mixins. A value no flag's converter could refuse on its own (the
   * settings check them together) is the user's mistake on the command line: a usage error, exit 2, never a trace.
   */
  public WebhookSettings toSettings(SidecarOptions sidecar, CommandLine commandLine) {
    try {
      return toSettings(sidecar.toSettings());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandLine, e.getMessage());
    }
  }
}
