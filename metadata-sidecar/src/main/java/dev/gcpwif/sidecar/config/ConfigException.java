package dev.gcpwif.sidecar.config;

/** A start-up configuration problem; its message is shown to the operator as one line. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
