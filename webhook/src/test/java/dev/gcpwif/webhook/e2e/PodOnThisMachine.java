package dev.gcpwif.webhook.e2e;

import dev.gcpwif.testsupport.FakeCloudStorage;
import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.TestCa;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Steps 2 and the fakes of the end-to-end test: a rendered pod laid out in a temporary folder by the kubelet stand-in,
 * its credential configuration (the test's copy) pointed at a fake STS/IAM over TLS, and fake storage endpoints.
 */
final class PodOnThisMachine implements AutoCloseable {
  /** What the kubelet's TokenRequest would return; the fake STS must receive exactly this. */
  static final String SUBJECT_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YW5hbHl0aWNz"
      + "OnJlcG9ydGluZyJ9.ZmFrZS1rdWJlbGV0LXNpZ25hdHVyZQ";
  static final String PROVIDER_AUDIENCE = "//iam.googleapis.com/projects/123456789012/locations/global/"
      + "workloadIdentityPools/on-prem/providers/cluster-1";
  static final String EMAIL = "reporting@my-project.iam.gserviceaccount.com";
  static final String BUCKET = "reports-bucket";

  final Path work;
  final TestCa ca;
  /** Where each client takes its trust of the fakes' CA from. */
  final Path caPem;
  final Path trustStore;
  final FakeGoogle google;
  final FakeCloudStorage storageHttp;
  final FakeCloudStorage storageHttps;
  final KubeletStandIn kubelet = new KubeletStandIn(SUBJECT_TOKEN);
  final SdkRunner sdk;
  KubeletStandIn.Layout layout;

  PodOnThisMachine(Path work) throws Exception {
    this.work = work;
    this.ca = new TestCa();
    this.caPem = ca.writePem(work.resolve("tls/ca.pem"));
    this.trustStore = ca.writeTrustStore(work.resolve("tls/truststore.p12"));
    // IAM answers only callers bearing a token its STS issued: the chain is checked, not just its ends.
    this.google = FakeGoogle.builder().ca(ca).tokens(n -> "fake-sts-token-" + n, n -> "fake-iam-token-" + n)
        .iamChecksCaller().start();
    this.storageHttp = new FakeCloudStorage(null);
    this.storageHttps = new FakeCloudStorage(ca);
    this.sdk = new SdkRunner(work.resolve("sdk"));
  }

  /** Lays the pod out and rewrites the test copy of its files for the container that reads them. */
  void layOut(Pod pod, String readingContainer) throws IOException {
    layout = kubelet.layOut(pod, work.resolve("pod"));
    kubelet.remapPathsInFiles(layout, readingContainer);
    Path config = layout.volume("gcp-workload-identity").resolve("federation.json");
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(config);
    config.toFile().setWritable(true, true);
    Files.writeString(config, google.pointAtFake(Files.readString(config)));
    Files.setPosixFilePermissions(config, mode);
  }

  /** gsutil's JSON API at the https fake storage, trusting the test CA; the container's own boto stays in force. */
  java.util.List<String> gsutilStorageOverrides() {
    return java.util.List.of("Credentials:gs_json_host=127.0.0.1", "Credentials:gs_json_port=" + storageHttps.port(),
        "Boto:ca_certificates_file=" + caPem);
  }

  /** JVM options that make a child JVM trust the fakes' CA (and only it: the test never talks to anything else). */
  String jvmTrustOptions() {
    return String.join(" ", TestCa.jvmTrustOptions(trustStore));
  }

  @Override
  public void close() {
    storageHttps.close();
    storageHttp.close();
    google.close();
  }
}
