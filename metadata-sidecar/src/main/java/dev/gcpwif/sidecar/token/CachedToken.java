package dev.gcpwif.sidecar.token;

import java.time.Instant;

/** A bearer or ID token and the instant it stops being accepted. {@link #toString()} never shows the value. */
public record CachedToken(String value, Instant expiresAt) {
  @Override
  public String toString() {
    return "CachedToken[expiresAt=" + expiresAt + "]";
  }
}
