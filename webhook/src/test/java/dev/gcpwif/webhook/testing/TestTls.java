package dev.gcpwif.webhook.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** A throwaway CA and serving certificates for TLS tests, with a client that trusts only that CA. */
public final class TestTls {
  public enum KeyKind { RSA_PKCS1, RSA_PKCS8, EC_PKCS8 }

  private final HeldCertificate ca;

  public TestTls() {
    ca = new HeldCertificate.Builder().commonName("test webhook CA").certificateAuthority(0).ecdsa256()
        .duration(1, TimeUnit.DAYS).build();
  }

  /** A leaf for localhost and 127.0.0.1 signed by this CA. */
  public HeldCertificate leaf(KeyKind kind, String commonName) {
    HeldCertificate.Builder builder = new HeldCertificate.Builder().commonName(commonName)
        .addSubjectAlternativeName("localhost").addSubjectAlternativeName("127.0.0.1").signedBy(ca)
        .duration(1, TimeUnit.DAYS);
    if (kind == KeyKind.EC_PKCS8) {
      builder.ecdsa256();
    } else {
      builder.rsa2048();
    }
    return builder.build();
  }

  /** Writes the leaf (then the CA, as cert-manager's tls.crt does) and its key in the requested encoding. */
  public static void write(HeldCertificate leaf, KeyKind kind, Path certFile, Path keyFile) throws IOException {
    Files.writeString(certFile, leaf.certificatePem());
    Files.writeString(keyFile, kind == KeyKind.RSA_PKCS1 ? leaf.privateKeyPkcs1Pem() : leaf.privateKeyPkcs8Pem());
  }

  public X509Certificate caCertificate() {
    return ca.certificate();
  }

  /** A fresh client (fresh connection pool: each test connection does its own handshake). */
  public OkHttpClient client() {
    HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build();
    return new OkHttpClient.Builder().sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
        .callTimeout(Duration.ofSeconds(20)).readTimeout(Duration.ofSeconds(20)).build();
  }
}
