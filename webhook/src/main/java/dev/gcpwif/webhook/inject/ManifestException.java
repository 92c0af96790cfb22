package dev.gcpwif.webhook.inject;

/** Input the {@code inject} command cannot process; the message is the one line printed to the user. */
public final class ManifestException extends Exception {
  public ManifestException(String message) {
    super(message);
  }
}
