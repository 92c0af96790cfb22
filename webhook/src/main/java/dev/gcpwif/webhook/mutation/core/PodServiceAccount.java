package dev.gcpwif.webhook.mutation.core;

import io.fabric8.kubernetes.api.model.PodSpec;

/** Which ServiceAccount a pod runs as, decided as the API server's ServiceAccount admission decides it. */
public final class PodServiceAccount {
  /** What the API server fills in when a pod names none. */
  public static final String DEFAULT = "default";

  private PodServiceAccount() {}

  /** {@code serviceAccountName}, else the deprecated {@code serviceAccount} alias the API server still honours. */
  @SuppressWarnings("deprecation")
  public static String nameOf(PodSpec spec) {
    if (spec == null) {
      return DEFAULT;
    }
    if (spec.getServiceAccountName() != null && !spec.getServiceAccountName().isEmpty()) {
      return spec.getServiceAccountName();
    }
    if (spec.getServiceAccount() != null && !spec.getServiceAccount().isEmpty()) {
      return spec.getServiceAccount();
    }
    return DEFAULT;
  }
}
