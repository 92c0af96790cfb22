package dev.gcpwif.webhook.mutation.core;

/**
 * A reason to deny the pod; {@link #getMessage()} is the one line the user sees. Mostly an annotation value the
 * webhook cannot act on ({@link #annotation()} and {@link #value()} name it); {@link PodConflictException} is the
 * other case, a pod spec that already uses what the injection needs.
 */
public class InvalidAnnotationException extends Exception {
  private final String annotation;
  private final String value;

  public InvalidAnnotationException(String annotation, String value, String expected) {
    super("invalid annotation " + annotation + "=\"" + value + "\": expected " + expected);
    this.annotation = annotation;
    this.value = value;
  }

  /** A denial that is not about one annotation. */
  protected InvalidAnnotationException(String message) {
    super(message);
    this.annotation = null;
    this.value = null;
  }

  /** The full annotation key, or null when the denial is not about an annotation. */
  public String annotation() {
    return annotation;
  }

  /** The offending value, or null when the denial is not about an annotation. */
  public String value() {
    return value;
  }
}
