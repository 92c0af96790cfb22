package dev.gcpwif.webhook.audit;

import java.util.List;
import java.util.Objects;

/**
 * One pod the audit reports: where it is, what is wrong ({@code details}, one readable line each: what differs or is
 * missing) and what to do about it.
 */
public record Finding(String namespace, String pod, Kind kind, List<String> details, String action) {

  public Finding {
    Objects.requireNonNull(kind, "kind");
    details = List.copyOf(details);
  }

  /** What the audit found; the lower-case name is what the command prints and a future gauge's state label. */
  public enum Kind {
    /** The pod's ServiceAccount is opted in and the admission would inject the pod, but it has no receipt. */
    UNINJECTED,
    /** The receipt was rendered from an identity the ServiceAccount no longer gives: the pod needs a restart. */
    STALE,
    /** What the receipt lists as added is no longer in the pod (another webhook or controller removed it). */
    TAMPERED,
    /**
     * Injected by a version before receipts: the pod has our volume or sidecar but nothing says from which identity,
     * so neither staleness nor tampering can be checked until it is restarted.
     */
    PRE_RECEIPT;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }
}
