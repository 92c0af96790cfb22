package dev.gcpwif.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A throwaway CA and a 127.0.0.1/localhost server certificate for the fake Google endpoints, written where each client
 * takes its trust from: a PEM (gcloud's custom CA file, boto's ca_certificates_file, Python's REQUESTS_CA_BUNDLE), a
 * PKCS12 trust store (a child JVM's {@code -Djavax.net.ssl.trustStore}) or an SSLContext (a client in this JVM).
 */
public final class TestCa {
  public static final String TRUST_STORE_PASSWORD = "changeit";

  private final HeldCertificate ca;
  private final HandshakeCertificates server;
  private final HandshakeCertificates clientTrust;

  public TestCa() {
    ca = new HeldCertificate.Builder().commonName("gcp-wif test CA").certificateAuthority(0).ecdsa256()
        .duration(1, TimeUnit.DAYS).build();
    HeldCertificate leaf = new HeldCertificate.Builder().commonName("127.0.0.1").addSubjectAlternativeName("127.0.0.1")
        .addSubjectAlternativeName("localhost").ecdsa256().signedBy(ca).duration(1, TimeUnit.DAYS).build();
    server = new HandshakeCertificates.Builder().heldCertificate(leaf, ca.certificate()).build();
    clientTrust = new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build();
  }

  /** For a MockWebServer's {@code useHttps}. */
  public SSLSocketFactory serverSocketFactory() {
    return server.sslSocketFactory();
  }

  /** A client context that trusts this CA and nothing else. */
  public SSLContext clientContext() {
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {clientTrust.trustManager()}, null);
      return tls;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public Path writePem(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    return Files.writeString(file, ca.certificatePem());
  }

  /** The CA as a PKCS12 trust store, password {@link #TRUST_STORE_PASSWORD}. */
  public Path writeTrustStore(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (OutputStream out = Files.newOutputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("gcp-wif-test-ca", ca.certificate());
      store.store(out, TRUST_STORE_PASSWORD.toCharArray());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return file;
  }

  /** JVM options that make a child JVM trust the store {@link #writeTrustStore} wrote (and only it). */
  public static java.util.List<String> jvmTrustOptions(Path trustStore) {
    return java.util.List.of("-Djavax.net.ssl.trustStore=" + trustStore,
        "-Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD, "-Djavax.net.ssl.trustStoreType=PKCS12");
  }
}
