package dev.gcpwif.webhook.mutation;

/**
 * Where the injected files live in every container. The directory is the Go webhook's token path, so a
 * configuration written for it ({@code credential_source.file}) points at the same token here.
 */
public final class CredentialFiles {
  public static final String VOLUME_NAME = "gcp-workload-identity";
  public static final String MOUNT_PATH = "/var/run/secrets/sts.googleapis.com/serviceaccount";
  public static final String TOKEN = "token";
  public static final String CREDENTIAL_CONFIGURATION = "federation.json";
  public static final String BOTO_CONFIG = "boto.cfg";

  private CredentialFiles() {}

  public static String path(String file) {
    return MOUNT_PATH + "/" + file;
  }
}
