package dev.gcpwif.webhook.mutation.file;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The environment variables file-based injection gives a container, in the order they are appended. */
public final class InjectedEnvironment {
  /**
   * boto reads only {@code BOTO_CONFIG} when it is set, else the files of {@code BOTO_PATH}, else /etc/boto.cfg
   * and ~/.boto; later files override earlier ones. Ours comes first so that the usual files keep working and a
   * setting the user made there wins over ours. A container that already sets BOTO_CONFIG or BOTO_PATH chose its
   * boto files: it is left alone, and its own configuration must name gs_external_account_file for gsutil.
   */
  static final String BOTO_PATH_DEFAULT_FILES = ":/etc/boto.cfg:~/.boto";
  /** The value given to {@code BOTO_PATH}: the injected boto file first, then boto's usual files. */
  public static final String BOTO_PATH_VALUE = Names.BOTO_PATH_FILE + BOTO_PATH_DEFAULT_FILES;

  private final WebhookSettings settings;

  public InjectedEnvironment(WebhookSettings settings) {
    this.settings = settings;
  }

  public Map<String, String> forContainer(WorkloadIdentity identity, Set<String> alreadySet) {
    String configuration = Names.CREDENTIALS_PATH;
    Map<String, String> env = new LinkedHashMap<>();
    env.put(Names.GOOGLE_APPLICATION_CREDENTIALS, configuration);
    env.put(Names.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE, configuration);
    if (!alreadySet.contains(Names.BOTO_CONFIG)) {
      env.put(Names.BOTO_PATH, BOTO_PATH_VALUE);
    }
    // One project for every tool: a container that names its project in one variable gets it in the other too (gcloud
    // ignores GOOGLE_CLOUD_PROJECT, client libraries ignore CLOUDSDK_CORE_PROJECT), as a $(VAR) reference to its own
    // value, which resolves since ours come after the user's variables.
    boolean libraries = alreadySet.contains(Names.GOOGLE_CLOUD_PROJECT);
    boolean gcloud = alreadySet.contains(Names.CLOUDSDK_CORE_PROJECT);
    if (libraries && !gcloud) {
      env.put(Names.CLOUDSDK_CORE_PROJECT, "$(" + Names.GOOGLE_CLOUD_PROJECT + ")");
    } else if (gcloud && !libraries) {
      env.put(Names.GOOGLE_CLOUD_PROJECT, "$(" + Names.CLOUDSDK_CORE_PROJECT + ")");
    } else if (!libraries) {
      identity.projectId().ifPresent(project -> {
        env.put(Names.GOOGLE_CLOUD_PROJECT, project);
        env.put(Names.CLOUDSDK_CORE_PROJECT, project);
      });
    }
    if (settings.defaultRegion() != null) {
      env.put(Names.CLOUDSDK_COMPUTE_REGION, settings.defaultRegion());
    }
    return env;
  }
}
