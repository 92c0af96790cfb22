package dev.gcpwif.webhook.mutation.core;

import java.util.List;
import java.util.Locale;

/**
 * The Go webhook's {@code token-exchange-mode} ServiceAccount annotation. {@code direct-access} there means "use the
 * federated token itself, even if an email is annotated": honoured here so that a migrated ServiceAccount does not
 * start impersonating a Google service account its federated principal may have no right to impersonate.
 */
enum TokenExchangeMode {
  /** Impersonate the annotated email; without one, this webhook (unlike the Go one) uses direct access. */
  SERVICE_ACCOUNT,
  /** Never impersonate: the federated token is the pod's credential. */
  DIRECT_ACCESS;

  static final String EXPECTED = "one of service-account, direct-access";

  String annotationValue() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Matched case-insensitively, as the Go webhook does; a value not in lower case is used with a warning. */
  static TokenExchangeMode parse(String annotation, String value, List<String> warnings)
      throws InvalidAnnotationException {
    return AnnotationValues.choice(annotation, value, warnings, values(), TokenExchangeMode::annotationValue, EXPECTED);
  }
}
