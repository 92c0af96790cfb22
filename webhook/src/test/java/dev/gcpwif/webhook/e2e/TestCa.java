package dev.gcpwif.webhook.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A throwaway CA and a 127.0.0.1 server certificate for the fake Google endpoints, written where each client takes
 * its trust from: a PEM (gcloud's custom CA file, boto's ca_certificates_file, Python's REQUESTS_CA_BUNDLE) and a
 * PKCS12 trust store (a JVM's {@code -Djavax.net.ssl.trustStore}).
 */
final class TestCa {
  static final String TRUST_STORE_PASSWORD = "changeit";

  private final HeldCertificate server;
  private final HeldCertificate ca;
  final Path caPem;
  final Path trustStore;

  TestCa(Path dir) throws IOException, GeneralSecurityException {
    ca = new HeldCertificate.Builder().commonName("gcp-wif e2e test CA").certificateAuthority(0).ecdsa256()
        .duration(1, TimeUnit.DAYS).build();
    server = new HeldCertificate.Builder().commonName("127.0.0.1").addSubjectAlternativeName("127.0.0.1")
        .addSubjectAlternativeName("localhost").ecdsa256().signedBy(ca).duration(1, TimeUnit.DAYS).build();
    Files.createDirectories(dir);
    caPem = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    trustStore = dir.resolve("truststore.p12");
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("gcp-wif-e2e-ca", ca.certificate());
    try (OutputStream out = Files.newOutputStream(trustStore)) {
      store.store(out, TRUST_STORE_PASSWORD.toCharArray());
    }
  }

  SSLSocketFactory serverSocketFactory() {
    return new HandshakeCertificates.Builder().heldCertificate(server, ca.certificate()).build().sslSocketFactory();
  }

  /** JVM options that make a child JVM trust this CA (and only it: the test never talks to anything else). */
  String jvmTrustOptions() {
    return "-Djavax.net.ssl.trustStore=" + trustStore + " -Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD
        + " -Djavax.net.ssl.trustStoreType=PKCS12";
  }
}
