package dev.gcpwif.webhook.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.testsupport.MutableClock;
import dev.gcpwif.webhook.tls.Pem;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS handshakes the way the API server makes them: trust only the webhook configuration's caBundle and check the
 * name {@code <service>.<namespace>.svc}. The server side loads the PEM files the component wrote.
 */
@EnableKubernetesMockClient(crud = true)
class ServingHandshakeTest {

  private static final String API_SERVER_DIALS = "gcp-wif-webhook.gcp-wif-system.svc";

  KubernetesClient client;

  @TempDir Path directory;
  private final MutableClock clock = new MutableClock(Instant.now());
  private final ExecutorService acceptor = Executors.newSingleThreadExecutor();
  private SelfSignedCertificates certificates;

  @BeforeEach
  void setUp() {
    client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(
        new MutatingWebhookConfigurationBuilder().withNewMetadata().withName("gcp-wif-webhook").endMetadata()
            .addNewWebhook().withName("pods.gcp-wif.dev").withNewClientConfig().withNewService()
            .withName("gcp-wif-webhook").withNamespace("gcp-wif-system").withPath("/mutate").endService()
            .endClientConfig().endWebhook().build()).create();
    certificates = new SelfSignedCertificates(client, TestSettings.in(directory), clock, new CertificateIssuer(),
        Duration.ofMillis(50));
  }

  @AfterEach
  void tearDown() {
    certificates.close();
    acceptor.shutdownNow();
  }

  @Test
  void theApiServerTrustsTheWrittenServingPair() throws Exception {
    certificates.reconcileOnce();
    byte[] certFile = Files.readAllBytes(directory.resolve("tls/tls.crt"));
    byte[] keyFile = Files.readAllBytes(directory.resolve("tls/tls.key"));

    assertThat(handshake(certFile, keyFile, caBundle(), API_SERVER_DIALS)).isEqualTo("TLSv1.3");
    assertThatThrownBy(() -> handshake(certFile, keyFile, caBundle(), "other.gcp-wif-system.svc"))
        .isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void aReplicaStillServingTheCertificateOfTheOldCaIsTrustedAfterRotation() throws Exception {
    // JSSE checks validity against the real time: run the CA's life so that its rotation happens now.
    clock.advance(Duration.ofDays(-(3650 - 365 + 1)));
    certificates.reconcileOnce();
    clock.advance(Duration.ofDays(3650 - 365 - 1));
    certificates.reconcileOnce(); // the last serving certificate from the old CA, two days before rotation
    byte[] oldCertFile = Files.readAllBytes(directory.resolve("tls/tls.crt"));
    byte[] oldKeyFile = Files.readAllBytes(directory.resolve("tls/tls.key"));

    clock.advance(Duration.ofDays(2));
    certificates.reconcileOnce();
    assertThat(caBundle()).hasSize(2);
    byte[] newCertFile = Files.readAllBytes(directory.resolve("tls/tls.crt"));
    byte[] newKeyFile = Files.readAllBytes(directory.resolve("tls/tls.key"));

    assertThat(newCertFile).isNotEqualTo(oldCertFile);
    assertThat(handshake(oldCertFile, oldKeyFile, caBundle(), API_SERVER_DIALS)).isEqualTo("TLSv1.3");
    assertThat(handshake(newCertFile, newKeyFile, caBundle(), API_SERVER_DIALS)).isEqualTo("TLSv1.3");
  }

  private List<X509Certificate> caBundle() throws Exception {
    String base64 = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("gcp-wif-webhook")
        .get().getWebhooks().get(0).getClientConfig().getCaBundle();
    return Pem.decodeCertificates(new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII));
  }

  /** @return the negotiated protocol, once the client accepted the server's certificate for {@code hostname} */
  private String handshake(byte[] certPem, byte[] keyPem, List<X509Certificate> trusted, String hostname)
      throws Exception {
    KeyStore identity = KeyStore.getInstance("PKCS12");
    identity.load(null, null);
    identity.setKeyEntry("serving", Pem.decodePrivateKey(new String(keyPem, StandardCharsets.US_ASCII)),
        new char[0], Pem.decodeCertificates(new String(certPem, StandardCharsets.US_ASCII)).toArray(Certificate[]::new));
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(identity, new char[0]);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(keyManagers.getKeyManagers(), null, null);

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < trusted.size(); i++) {
      trust.setCertificateEntry("ca" + i, trusted.get(i));
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trust);
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, trustManagers.getTrustManagers(), null);

    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
        .createServerSocket(0, 1, loopback)) {
      acceptor.submit(() -> {
        try (SSLSocket accepted = (SSLSocket) server.accept(); InputStream in = accepted.getInputStream()) {
          accepted.startHandshake();
          in.read();
        }
        return null;
      });
      try (Socket plain = new Socket(loopback, server.getLocalPort());
          SSLSocket socket = (SSLSocket) clientContext.getSocketFactory()
              .createSocket(plain, hostname, server.getLocalPort(), true)) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket.getSession().getProtocol();
      }
    }
  }
}
