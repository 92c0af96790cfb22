package dev.gcpwif.webhook.mutation.core;

/** How the pod gets its Google credentials; the annotation value is the lower-case name. */
public enum InjectionMode {
  /** The credential configuration file and environment for client libraries, gcloud and gsutil. */
  DIRECT,
  /** The Go webhook's mode for images that run gcloud; the file-based injection already makes gcloud work. */
  GCLOUD,
  /** File-based injection plus the metadata sidecar, for tools that only know the GCE metadata server. */
  METADATA;

  static final String EXPECTED = "one of direct, gcloud, metadata";

  public String annotationValue() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Matched case-insensitively, as the Go webhook does; a value not in lower case is used with a warning. */
  static InjectionMode parse(String annotation, String value, java.util.List<String> warnings)
      throws InvalidAnnotationException {
    return AnnotationValues.choice(annotation, value, warnings, values(), InjectionMode::annotationValue, EXPECTED);
  }
}
