package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import java.util.List;

/**
 * What app containers mount in metadata mode: the boto file alone, at the path where file mode mounts the credential
 * volume, so {@code BOTO_PATH} is the same in both modes. The projected token (24 h, exchangeable off the cluster) and
 * the credential configuration stay in {@link Names#CREDENTIALS_VOLUME}, which only the sidecar mounts.
 */
final class BotoVolume {
  /** The file holds no secret and must be readable by whatever user each app container runs as. */
  static final int MODE = 0444;

  private BotoVolume() {}

  static Volume render(String annotationPrefix) {
    return new VolumeBuilder()
        .withName(Names.BOTO_VOLUME)
        .withNewProjected()
        .withDefaultMode(MODE)
        .addNewSource()
        .withNewDownwardAPI()
        .addNewItem()
        .withPath(Names.BOTO_FILE)
        .withNewFieldRef("v1", Names.annotationField(new Names(annotationPrefix).botoConfig()))
        .endItem()
        .endDownwardAPI()
        .endSource()
        .endProjected()
        .build();
  }

  /** A volume of our name that projects the boto file through the downward API and nothing else: a pass made it. */
  static boolean isOurs(Volume volume) {
    if (!Names.BOTO_VOLUME.equals(volume.getName()) || volume.getProjected() == null || volume.getProjected().getSources() == null
        || volume.getProjected().getSources().isEmpty()) {
      return false;
    }
    for (VolumeProjection source : volume.getProjected().getSources()) {
      // Equal to a projection with its downward API part alone: no token, secret, config map or anything newer.
      boolean downwardOnly = source != null && source.getDownwardAPI() != null
          && source.equals(new VolumeProjectionBuilder().withDownwardAPI(source.getDownwardAPI()).build());
      if (!downwardOnly || source.getDownwardAPI().getItems() == null
          || source.getDownwardAPI().getItems().stream().anyMatch(item -> item == null || !Names.BOTO_FILE.equals(item.getPath()))) {
        return false;
      }
    }
    return true;
  }

}
