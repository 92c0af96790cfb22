package dev.gcpwif.webhook.mutation.file;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The environment variables file-based injection gives a container, in the order they are appended. */
final class InjectedEnvironment {
  /**
   * boto reads only {@code BOTO_CONFIG} when it is set, else the files of {@code BOTO_PATH}, else /etc/boto.cfg
   * and ~/.boto; later files override earlier ones. Ours comes first so that the usual files keep working and a
   * setting the user made there wins over ours. A container that already sets BOTO_CONFIG or BOTO_PATH chose its
   * boto files: it is left alone, and its own configuration must name gs_external_account_file for gsutil.
   */
  static final String BOTO_PATH_DEFAULT_FILES = ":/etc/boto.cfg:~/.boto";

  private final WebhookSettings settings;

  InjectedEnvironment(WebhookSettings settings) {
    this.settings = settings;
  }

  Map<String, String> forContainer(WorkloadIdentity identity, Set<String> alreadySet) {
    String configuration = Names.CREDENTIALS_PATH;
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GOOGLE_APPLICATION_CREDENTIALS", configuration);
    env.put("CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", configuration);
    if (!alreadySet.contains("BOTO_CONFIG")) {
      env.put("BOTO_PATH", Names.BOTO_PATH_FILE + BOTO_PATH_DEFAULT_FILES);
    }
    // One project for every tool: a container that names its project in one variable gets it in the other too (gcloud
    // ignores GOOGLE_CLOUD_PROJECT, client libraries ignore CLOUDSDK_CORE_PROJECT), as a $(VAR) reference to its own
    // value, which resolves since ours come after the user's variables.
    boolean libraries = alreadySet.contains("GOOGLE_CLOUD_PROJECT");
    boolean gcloud = alreadySet.contains("CLOUDSDK_CORE_PROJECT");
    if (libraries && !gcloud) {
      env.put("CLOUDSDK_CORE_PROJECT", "$(GOOGLE_CLOUD_PROJECT)");
    } else if (gcloud && !libraries) {
      env.put("GOOGLE_CLOUD_PROJECT", "$(CLOUDSDK_CORE_PROJECT)");
    } else if (!libraries) {
      identity.projectId().ifPresent(project -> {
        env.put("GOOGLE_CLOUD_PROJECT", project);
        env.put("CLOUDSDK_CORE_PROJECT", project);
      });
    }
    if (settings.defaultRegion() != null) {
      env.put("CLOUDSDK_COMPUTE_REGION", settings.defaultRegion());
    }
    return env;
  }
}
