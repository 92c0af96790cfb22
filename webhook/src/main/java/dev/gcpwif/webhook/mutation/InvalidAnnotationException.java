package dev.gcpwif.webhook.mutation;

/** An annotation value the webhook cannot act on; the pod is denied with {@link #getMessage()}. */
public final class InvalidAnnotationException extends Exception {
  private final String annotation;
  private final String value;

  public InvalidAnnotationException(String annotation, String value, String expected) {
    super("invalid annotation " + annotation + "=\"" + value + "\": expected " + expected);
    this.annotation = annotation;
    this.value = value;
  }

  public String annotation() {
    return annotation;
  }

  public String value() {
    return value;
  }
}
