package dev.gcpwif.webhook.mutation.metadata;

/**
 * The boto configuration of a pod in metadata mode. gsutil run directly (not through the gcloud wrapper) uses GCE
 * credentials only when {@code [GoogleCompute] service_account} is set; it then reads the token from
 * {@code $GCE_METADATA_ROOT}. It deliberately holds no {@code gs_external_account_file}: one token source per pod.
 */
public final class MetadataModeBoto {
  private static final String TEXT = """
      # Written by the gcp-wif webhook (metadata mode): gsutil takes its token from the in-pod metadata server.
      [GoogleCompute]
      service_account = default
      """;

  private MetadataModeBoto() {}

  /**
   * The content of {@code boto.cfg} in metadata mode.
   *
   * @param projectId the project, or null; gsutil run directly reads its default project only from boto (as in file
   *     mode), and needs one to list or create buckets
   */
  public static String text(String projectId) {
    return projectId == null ? TEXT : TEXT + "\n[GSUtil]\ndefault_project_id = " + projectId + "\n";
  }
}
