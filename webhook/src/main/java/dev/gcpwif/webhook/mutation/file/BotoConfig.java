package dev.gcpwif.webhook.mutation.file;

import java.util.Optional;

/**
 * The boto configuration that makes gsutil use the credential configuration: gsutil ignores
 * {@code GOOGLE_APPLICATION_CREDENTIALS} and reads {@code [Credentials] gs_external_account_file} instead.
 */
public final class BotoConfig {
  private BotoConfig() {}

  public static String render(String credentialConfigurationFile, Optional<String> projectId) {
    StringBuilder boto = new StringBuilder()
        .append("[Credentials]\n")
        .append("gs_external_account_file = ").append(credentialConfigurationFile).append('\n');
    projectId.ifPresent(project -> boto.append("\n[GSUtil]\ndefault_project_id = ").append(project).append('\n'));
    return boto.toString();
  }
}
