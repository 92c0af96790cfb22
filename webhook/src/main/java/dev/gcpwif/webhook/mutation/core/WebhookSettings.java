package dev.gcpwif.webhook.mutation.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Cluster-wide defaults of the webhook, set by flags of {@code serve} and {@code inject}. Annotations on the
 * ServiceAccount and the Pod override the per-pod parts. Invalid values are rejected here, at startup, with a
 * message naming the setting, so a misconfigured webhook never starts denying or mangling pods.
 *
 * @param sidecar the metadata sidecar injected into pods in {@code metadata} mode
 */
public record WebhookSettings(
    String annotationPrefix,
    String defaultAudience,
    long defaultTokenExpirationSeconds,
    int tokenVolumeDefaultMode,
    String defaultRegion,
    SidecarSettings sidecar) {

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern REGION = Pattern.compile("[a-z][a-z0-9-]*[a-z0-9]");

  public WebhookSettings {
    if (annotationPrefix == null || annotationPrefix.length() > 253
        || !DNS_SUBDOMAIN.matcher(annotationPrefix).matches()) {
      throw new IllegalArgumentException("annotation prefix \"" + annotationPrefix
          + "\" is not a DNS subdomain (lower-case letters, digits, '-' and '.', like cloud.google.com)");
    }
    if (!AnnotationValues.isAudience(defaultAudience)) {
      throw new IllegalArgumentException(
          "token audience \"" + defaultAudience + "\" must be non-empty and without whitespace");
    }
    if (!AnnotationValues.isTokenExpiration(defaultTokenExpirationSeconds)) {
      throw new IllegalArgumentException("token expiration " + defaultTokenExpirationSeconds
          + " must be between " + AnnotationValues.MIN_TOKEN_EXPIRATION_SECONDS + " and "
          + AnnotationValues.MAX_TOKEN_EXPIRATION_SECONDS + " seconds");
    }
    if (tokenVolumeDefaultMode < 0 || tokenVolumeDefaultMode > 0777) {
      throw new IllegalArgumentException("token volume default mode " + Integer.toOctalString(tokenVolumeDefaultMode)
          + " (octal) must be between 0 and 0777");
    }
    if (defaultRegion != null && defaultRegion.isEmpty()) {
      defaultRegion = null;
    }
    if (defaultRegion != null && !REGION.matcher(defaultRegion).matches()) {
      throw new IllegalArgumentException(
          "region \"" + defaultRegion + "\" is not a Google Cloud region name (like europe-west1)");
    }
    Objects.requireNonNull(sidecar, "sidecar settings");
  }

  public static WebhookSettings defaults() {
    return new WebhookSettings("cloud.google.com", "sts.googleapis.com", 86400, 0444, null, SidecarSettings.defaults());
  }

  public WebhookSettings withSidecar(SidecarSettings sidecar) {
    return new WebhookSettings(annotationPrefix, defaultAudience, defaultTokenExpirationSeconds, tokenVolumeDefaultMode,
        defaultRegion, sidecar);
  }
}
