package dev.gcpwif.webhook.mutation.metadata;

import java.util.List;

/**
 * The names and paths the file-based mutation produces (the contract metadata mode builds on). Metadata mode mounts
 * the volume into the sidecar alone, and rewrites what file mode put into the app containers (their mount of it
 * becomes one of {@link BotoVolume} at the same path).
 */
public final class FileModeLayout {
  public static final String VOLUME_NAME = "gcp-workload-identity";
  public static final String MOUNT_PATH = "/var/run/secrets/sts.googleapis.com/serviceaccount";
  public static final String CREDENTIALS_FILE = MOUNT_PATH + "/federation.json";
  public static final String BOTO_FILE = MOUNT_PATH + "/boto.cfg";
  /** Suffix of the pod annotation (after {@code <prefix>/}) whose value the kubelet writes to {@link #BOTO_FILE}. */
  public static final String BOTO_ANNOTATION = "boto-config";

  /** The variables file mode points at {@link #CREDENTIALS_FILE}; metadata mode removes them (one token source). */
  public static final List<String> CREDENTIAL_FILE_VARIABLES =
      List.of("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE");

  /**
   * The other variables file mode appends, right after {@link #CREDENTIAL_FILE_VARIABLES} and in this order: undoing
   * metadata mode puts those back in front of these.
   */
  public static final List<String> FOLLOWING_VARIABLES = List.of(
      "BOTO_PATH", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT", "CLOUDSDK_COMPUTE_REGION");
  /** The value file mode gives {@code BOTO_PATH}: its boto file first, then boto's usual files. */
  public static final String BOTO_PATH_VALUE = BOTO_FILE + ":/etc/boto.cfg:~/.boto";

  private FileModeLayout() {}
}
