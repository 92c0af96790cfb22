package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import java.util.List;

/**
 * The order in which file mode appends its variables (the contract undoing metadata mode relies on). Metadata mode
 * mounts the credential volume into the sidecar alone, and rewrites what file mode put into the app containers.
 */
final class FileModeLayout {
  /** The variables file mode points at the credential file; metadata mode removes them (one token source). */
  static final List<String> CREDENTIAL_FILE_VARIABLES =
      List.of(Names.GOOGLE_APPLICATION_CREDENTIALS, Names.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE);

  /**
   * The other variables file mode appends, right after {@link #CREDENTIAL_FILE_VARIABLES} and in this order: undoing
   * metadata mode puts those back in front of these.
   */
  static final List<String> FOLLOWING_VARIABLES = List.of(
      Names.BOTO_PATH, Names.GOOGLE_CLOUD_PROJECT, Names.CLOUDSDK_CORE_PROJECT, Names.CLOUDSDK_COMPUTE_REGION);
  /** The value file mode gives {@code BOTO_PATH}: its boto file first, then boto's usual files. */
  static final String BOTO_PATH_VALUE = Names.BOTO_PATH_FILE + ":/etc/boto.cfg:~/.boto";

  private FileModeLayout() {}
}
