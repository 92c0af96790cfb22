package dev.gcpwif.webhook.certs;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what the Secret should hold now: pure logic on certificates and a clock reading, no I/O.
 *
 * <p>CA rotation: the new CA signs a new serving certificate at once, and the old CA stays in {@code caBundle} (as
 * "retired") until it expires. Replicas that have not yet re-read the Secret keep serving a certificate signed by the
 * old CA, and the API server still trusts it; nothing is ever signed by a retired CA again, and its key is dropped.
 * Only the previous CA is kept: every serving certificate is re-issued when the CA changes.
 */
final class RenewalPolicy {

  private static final int SAN_DNS = 2;

  private final CertificateIssuer issuer;
  private final SelfSignedSettings settings;

  RenewalPolicy(CertificateIssuer issuer, SelfSignedSettings settings) {
    this.issuer = issuer;
    this.settings = settings;
  }

  /** The bundle to store, and why it changed; the same bundle and no reasons when nothing is due. */
  record Plan(TlsBundle bundle, List<String> reasons) {
    boolean changed() {
      return !reasons.isEmpty();
    }
  }

  Plan plan(Optional<TlsBundle> current, Instant now) {
    if (current.isEmpty()) {
      CertifiedKey authority = newAuthority(now);
      return new Plan(new TlsBundle(authority, List.of(), newServing(authority, now)),
          List.of("no CA yet: created one"));
    }
    TlsBundle bundle = current.get();
    List<String> reasons = new ArrayList<>();

    CertifiedKey authority = bundle.authority();
    List<X509Certificate> retired = new ArrayList<>();
    for (X509Certificate old : bundle.retiredAuthorities()) {
      if (expiresAfter(old, now)) {
        retired.add(old);
      } else {
        reasons.add("dropped the retired CA \"" + old.getSubjectX500Principal().getName() + "\": it expired");
      }
    }
    String authorityProblem = due(authority.certificate(), settings.caRenewBefore(), now)
        ? "it expires " + authority.notAfter() + ", renewal is due " + hours(settings.caRenewBefore()) + " before"
        : authority.keyMatchesCertificate() ? null : "the stored CA key does not belong to the CA certificate";
    if (authorityProblem != null) {
      reasons.add("rotated the CA: " + authorityProblem);
      retired.clear();
      if (expiresAfter(authority.certificate(), now)) {
        retired.add(authority.certificate());
      }
      authority = newAuthority(now);
    }

    CertifiedKey serving = bundle.serving();
    String servingProblem = servingProblem(serving, authority, now);
    if (servingProblem != null) {
      reasons.add("issued a new serving certificate: " + servingProblem);
      serving = newServing(authority, now);
    }
    return new Plan(new TlsBundle(authority, retired, serving), List.copyOf(reasons));
  }

  private String servingProblem(CertifiedKey serving, CertifiedKey authority, Instant now) {
    if (!serving.isSignedBy(authority.certificate())) {
      return "the current one is not signed by the current CA";
    }
    if (due(serving.certificate(), settings.certRenewBefore(), now)) {
      return "the current one expires " + serving.notAfter() + ", renewal is due "
          + hours(settings.certRenewBefore()) + " before";
    }
    if (!serving.keyMatchesCertificate()) {
      return "the stored key does not belong to the stored certificate";
    }
    Set<String> names = dnsNames(serving.certificate());
    if (!names.equals(new HashSet<>(settings.dnsNames()))) {
      return "its DNS names " + names + " are not " + settings.dnsNames();
    }
    return null;
  }

  private CertifiedKey newAuthority(Instant now) {
    return issuer.newAuthority(settings.serviceName() + "." + settings.namespace(), now, settings.caValidity());
  }

  private CertifiedKey newServing(CertifiedKey authority, Instant now) {
    return issuer.newServingCertificate(authority, settings.dnsNames(), now, settings.certValidity());
  }

  /** The unit the flags and cert-manager use. */
  private static String hours(Duration duration) {
    return duration.toSeconds() % 3600 == 0 ? duration.toHours() + "h" : duration.toString();
  }

  private static boolean due(X509Certificate certificate, Duration renewBefore, Instant now) {
    return !certificate.getNotAfter().toInstant().minus(renewBefore).isAfter(now);
  }

  private static boolean expiresAfter(X509Certificate certificate, Instant now) {
    return certificate.getNotAfter().toInstant().isAfter(now);
  }

  static Set<String> dnsNames(X509Certificate certificate) {
    Set<String> names = new HashSet<>();
    try {
      Collection<List<?>> alternativeNames = certificate.getSubjectAlternativeNames();
      if (alternativeNames != null) {
        for (List<?> name : alternativeNames) {
          if (name.size() == 2 && Integer.valueOf(SAN_DNS).equals(name.get(0))) {
            names.add((String) name.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // An unreadable SAN extension: no names, so the certificate gets replaced.
    }
    return names;
  }
}
