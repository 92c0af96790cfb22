package dev.gcpwif.sidecar.token;

/** No usable token can be served right now; the message is a short reason fit for a client and a log line. */
public final class TokenUnavailableException extends Exception {
  public TokenUnavailableException(String reason) {
    super(reason, null, false, false);
  }
}
