package dev.gcpwif.webhook.mutation;

/**
 * Cluster-wide defaults of the webhook, set by flags of {@code serve} and {@code inject}. Annotations on the
 * ServiceAccount and the Pod override the per-pod parts.
 */
public record WebhookSettings(
    String annotationPrefix,
    String defaultAudience,
    long defaultTokenExpirationSeconds,
    int tokenVolumeDefaultMode,
    String defaultRegion) {

  public static WebhookSettings defaults() {
    return new WebhookSettings("cloud.google.com", "sts.googleapis.com", 86400, 0444, null);
  }
}
