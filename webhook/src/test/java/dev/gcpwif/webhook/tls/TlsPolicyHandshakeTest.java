package dev.gcpwif.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import okhttp3.tls.HandshakeCertificates;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS handshakes on loopback against a Jetty connector built on {@link ReloadingServerTls}'s factory. */
class TlsPolicyHandshakeTest {
  private static final TestTls TLS = new TestTls();
  private static final String AES_128 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
  private static final String AES_256 = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";

  @TempDir Path dir;
  private Server server;
  private ReloadingServerTls tls;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    if (tls != null) {
      tls.close();
    }
  }

  @Test
  void versionTls13RefusesATls12Client() throws Exception {
    int port = serve(TlsPolicy.parse("VersionTLS13", null));

    assertThatThrownBy(() -> handshake(port, "TLSv1.2", null)).isInstanceOf(SSLHandshakeException.class);
    assertThat(handshake(port, "TLSv1.3", null)).isEqualTo("TLSv1.3");
  }

  @Test
  void byDefaultATls12ClientIsServed() throws Exception {
    int port = serve(TlsPolicy.DEFAULTS);

    assertThat(handshake(port, "TLSv1.2", AES_128)).isEqualTo("TLSv1.2 " + AES_128);
  }

  @Test
  void byDefaultTheServerChoosesChaCha20OverTheClientsPreferredAesGcm() throws Exception {
    int port = serve(TlsPolicy.DEFAULTS);

    // The JDK's client, like Go's, lists AES-GCM first; C1 encrypts ChaCha20 about 5 times faster.
    assertThat(negotiatedSuite(port, "TLSv1.3", null)).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    assertThat(negotiatedSuite(port, "TLSv1.2", null)).isEqualTo("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    assertThat(negotiatedSuite(port, "TLSv1.3", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384"))
        .as("a client without ChaCha20 still gets AES-GCM").isIn("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
  }

  @Test
  void aCipherListRestrictsTheTls12SuitesAndLeavesTls13Working() throws Exception {
    int port = serve(TlsPolicy.parse(null, AES_256));

    assertThatThrownBy(() -> handshake(port, "TLSv1.2", AES_128)).isInstanceOf(SSLHandshakeException.class);
    assertThat(handshake(port, "TLSv1.2", AES_128 + "," + AES_256)).isEqualTo("TLSv1.2 " + AES_256);
    assertThat(handshake(port, "TLSv1.3", null)).isEqualTo("TLSv1.3");
  }

  @Test
  void aSuiteJettyExcludesByDefaultIsServedWhenNamed() throws Exception {
    String cbcSha = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"; // in Go's secure list, in Jetty's default exclusions
    assertThatThrownBy(() -> handshake(serve(TlsPolicy.DEFAULTS), "TLSv1.2", cbcSha))
        .isInstanceOf(SSLHandshakeException.class);
    server.stop();

    assertThat(handshake(serve(TlsPolicy.parse(null, cbcSha)), "TLSv1.2", cbcSha)).isEqualTo("TLSv1.2 " + cbcSha);
  }

  private int serve(TlsPolicy policy) throws Exception {
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("c"), dir.resolve("k"));
    tls = new ReloadingServerTls(dir.resolve("c"), dir.resolve("k"), policy);
    server = new Server();
    ServerConnector connector = new ServerConnector(server,
        new SslConnectionFactory(tls.sslContextFactory(), "http/1.1"), new HttpConnectionFactory());
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.start();
    return connector.getLocalPort();
  }

  /** The suite the server chose from the client's defaults, or from {@code suites}, in the client's order. */
  private static String negotiatedSuite(int port, String protocol, String suites) throws IOException {
    return session(port, protocol, suites).getCipherSuite();
  }

  /** Returns the negotiated protocol, and the suite when the client restricted its suites. */
  private static String handshake(int port, String protocol, String suites) throws IOException {
    SSLSession session = session(port, protocol, suites);
    return suites == null ? session.getProtocol() : session.getProtocol() + " " + session.getCipherSuite();
  }

  private static SSLSession session(int port, String protocol, String suites) throws IOException {
    HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(TLS.caCertificate()).build();
    try (SSLSocket socket = (SSLSocket) trust.sslSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      if (suites != null) {
        socket.setEnabledCipherSuites(suites.split(","));
      }
      socket.startHandshake();
      return socket.getSession();
    }
  }
}
