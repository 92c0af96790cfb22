package dev.gcpwif.webhook.mutation;

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

  static InjectionMode parse(String annotation, String value) throws InvalidAnnotationException {
    for (InjectionMode mode : values()) {
      if (mode.annotationValue().equals(value.trim())) {
        return mode;
      }
    }
    throw new InvalidAnnotationException(annotation, value, EXPECTED);
  }
}
