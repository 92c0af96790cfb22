package dev.gcpwif.webhook.mutation.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.CloudSdk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rendered configuration is byte for byte what the real {@code gcloud create-cred-config} writes (offline). */
class ExternalAccountConfigTest {
  private static final String PROVIDER =
      "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a";
  private static final String TOKEN_FILE = "/var/run/secrets/sts.googleapis.com/serviceaccount/token";

  @TempDir Path home;

  private String gcloudCreateCredConfig(String... extraFlags) throws Exception {
    Path output = home.resolve("cred-config-" + extraFlags.length + ".json");
    List<String> command = new ArrayList<>(List.of(CloudSdk.executable("gcloud"), "iam",
        "workload-identity-pools", "create-cred-config", PROVIDER, "--credential-source-file=" + TOKEN_FILE,
        "--output-file=" + output));
    command.addAll(List.of(extraFlags));
    CloudSdk.Result result = new CloudSdk(home).run(command, CloudSdk.NO_METADATA_SERVER, Duration.ofSeconds(60));
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    return Files.readString(output);
  }

  @Test
  void withImpersonationMatchesGcloud() throws Exception {
    String email = "storage-reader@my-project.iam.gserviceaccount.com";

    String rendered = ExternalAccountConfig.render(PROVIDER, Optional.of(email), TOKEN_FILE);

    assertThat(rendered).isEqualTo(gcloudCreateCredConfig("--service-account=" + email));
    assertThat(rendered).contains("serviceAccounts/" + email + ":generateAccessToken");
  }

  @Test
  void directFederatedAccessMatchesGcloud() throws Exception {
    String rendered = ExternalAccountConfig.render(PROVIDER, Optional.empty(), TOKEN_FILE);

    assertThat(rendered).isEqualTo(gcloudCreateCredConfig());
    assertThat(rendered).doesNotContain("service_account_impersonation_url").contains("token_info_url");
  }
}
