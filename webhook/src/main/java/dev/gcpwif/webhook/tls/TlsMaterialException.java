package dev.gcpwif.webhook.tls;

/** A certificate or key file the server cannot use; the message is one line naming the file and what is expected. */
public final class TlsMaterialException extends Exception {
  public TlsMaterialException(String message) {
    super(message);
  }

  public TlsMaterialException(String message, Throwable cause) {
    super(message, cause);
  }
}
