package dev.gcpwif.webhook.cli;

import java.util.regex.Pattern;

/** Checks of flag values that name Kubernetes objects, with the message a usage error prints. */
public final class KubernetesNames {
  static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private KubernetesNames() {}

  /** @throws IllegalArgumentException unless {@code value} is a DNS-1123 subdomain, the rule for most object names */
  public static void requireObjectName(String flag, String value, String what) {
    requireMatch(flag, value, DNS_SUBDOMAIN, what + " (DNS-1123 subdomain)");
  }

  static void requireMatch(String flag, String value, Pattern pattern, String expected) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(flag + ": '" + value + "' is not " + expected
          + ": lowercase letters, digits and '-'" + (pattern == DNS_LABEL ? ", at most 63 characters" : " and '.'"));
    }
  }
}
