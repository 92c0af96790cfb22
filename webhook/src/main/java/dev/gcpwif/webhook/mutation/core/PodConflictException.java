package dev.gcpwif.webhook.mutation.core;

/**
 * The pod already uses, for something else, a name or path the injection needs (the volume name or the mount path).
 * Injecting anyway would either break the user's volume or leave the containers without credentials, so the pod is
 * denied with a message saying what to rename. It extends {@link InvalidAnnotationException} so that every caller
 * that denies on invalid annotations denies on this too; {@link #annotation()} and {@link #value()} are null.
 */
public final class PodConflictException extends InvalidAnnotationException {
  public PodConflictException(String message) {
    super(message);
  }
}
