package dev.gcpwif.webhook.serviceaccount;

/** The ServiceAccount could be neither found nor ruled out. */
public final class ServiceAccountLookupException extends Exception {
  public ServiceAccountLookupException(String message, Throwable cause) {
    super(message, cause);
  }
}
