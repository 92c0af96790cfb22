package dev.gcpwif.webhook.mutation.core;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads the ServiceAccount and Pod annotations into a {@link WorkloadIdentity}, or nothing when not opted in. */
public final class WorkloadIdentityResolver {
  private final WebhookSettings settings;
  private final Names keys;

  public WorkloadIdentityResolver(WebhookSettings settings) {
    this.settings = settings;
    this.keys = new Names(settings.annotationPrefix());
  }

  /** Empty when the ServiceAccount is missing or has no provider annotation: such pods are not ours to touch. */
  public Optional<WorkloadIdentity> resolve(Pod pod, ServiceAccount serviceAccount, List<String> warnings) throws InvalidAnnotationException {
    Map<String, String> sa = annotations(serviceAccount);
    String providerValue = sa.get(keys.provider());
    if (providerValue == null) {
      return Optional.empty();
    }
    Map<String, String> podAnnotations = annotations(pod);

    String provider = ProviderName.parse(keys.provider(), providerValue, warnings);
    Optional<String> email = serviceAccountEmail(sa, warnings);
    String audience = sa.containsKey(keys.audience())
        ? AnnotationValues.audience(keys.audience(), sa.get(keys.audience()), settings.defaultAudience(), warnings)
        : settings.defaultAudience();
    long expiration = settings.defaultTokenExpirationSeconds();
    if (sa.containsKey(keys.tokenExpiration())) {
      expiration = AnnotationValues.tokenExpiration(keys.tokenExpiration(), sa.get(keys.tokenExpiration()), warnings);
    }
    if (podAnnotations.containsKey(keys.tokenExpiration())) {
      expiration = AnnotationValues.tokenExpiration(keys.tokenExpiration(), podAnnotations.get(keys.tokenExpiration()), warnings);
    }
    InjectionMode mode = InjectionMode.DIRECT;
    if (sa.containsKey(keys.injectionMode())) {
      mode = InjectionMode.parse(keys.injectionMode(), sa.get(keys.injectionMode()), warnings);
    }
    if (podAnnotations.containsKey(keys.injectionMode())) {
      mode = InjectionMode.parse(keys.injectionMode(), podAnnotations.get(keys.injectionMode()), warnings);
    }
    Set<String> skip = Set.of();
    if (podAnnotations.containsKey(keys.skipContainers())) {
      skip = AnnotationValues.containerNames(keys.skipContainers(), podAnnotations.get(keys.skipContainers()));
      warnAboutNamesOfNoContainer(pod, skip, podAnnotations.get(keys.skipContainers()), warnings);
    }
    for (Map<String, String> annotations : List.of(sa, podAnnotations)) {
      if (annotations.containsKey(keys.gcloudRunAsUser())) {
        warnings.add(keys.gcloudRunAsUser() + "=\"" + annotations.get(keys.gcloudRunAsUser()) + "\": ignored; it set"
            + " the user of the Go webhook's gcloud setup init container, and no init container is added here (the"
            + " credential file is readable by the pod's containers as they run)");
      }
    }
    Optional<String> project = projectId(sa, email, warnings);
    return Optional.of(new WorkloadIdentity(provider, email, audience, expiration, mode, skip, project));
  }

  /**
   * The email to impersonate, or none. With the Go webhook's {@code token-exchange-mode: direct-access} the email is
   * ignored unread, as the Go webhook ignores it.
   */
  private Optional<String> serviceAccountEmail(Map<String, String> sa, List<String> warnings)
      throws InvalidAnnotationException {
    Optional<String> email = optional(sa, keys.serviceAccountEmail());
    if (sa.containsKey(keys.tokenExchangeMode())
        && TokenExchangeMode.parse(keys.tokenExchangeMode(), sa.get(keys.tokenExchangeMode()), warnings)
            == TokenExchangeMode.DIRECT_ACCESS) {
      email.ifPresent(ignored -> warnings.add(keys.serviceAccountEmail() + "=\"" + ignored + "\": ignored, as "
          + keys.tokenExchangeMode() + " is direct-access: the pod uses its federated identity without"
          + " impersonating a service account"));
      return Optional.empty();
    }
    if (email.isPresent()) {
      return AnnotationValues.email(keys.serviceAccountEmail(), email.get(), warnings);
    }
    return email;
  }

  /**
   * The project annotation's, or the email's project. A project annotation that is not a project ID is ignored with
   * a warning that says what is used instead: the Go webhook wrote it into CLOUDSDK_CORE_PROJECT as given.
   */
  private Optional<String> projectId(Map<String, String> sa, Optional<String> email, List<String> warnings) {
    Optional<String> ofEmail = email.flatMap(AnnotationValues::projectOfEmail);
    String value = sa.get(keys.projectId());
    if (value == null) {
      return ofEmail;
    }
    Optional<String> project = AnnotationValues.projectId(value);
    if (project.isEmpty()) {
      warnings.add(keys.projectId() + "=\"" + AnnotationValues.shown(value) + "\": ignored, as it is not "
          + AnnotationValues.PROJECT_ID_FORM + "; " + ofEmail
              .map(p -> "the project \"" + p + "\" of the service account email is used instead")
              .orElse("no project is set (GOOGLE_CLOUD_PROJECT and CLOUDSDK_CORE_PROJECT are left out)"));
      return ofEmail;
    }
    return project;
  }

  /** A name that matches no container is harmless (the Go webhook ignores it), but likely a typo: say so. */
  private void warnAboutNamesOfNoContainer(Pod pod, Set<String> skip, String value, List<String> warnings) {
    Set<String> present = new java.util.HashSet<>();
    if (pod.getSpec() != null) {
      for (List<Container> list : java.util.Arrays.asList(pod.getSpec().getInitContainers(),
          pod.getSpec().getContainers())) {
        if (list != null) {
          list.stream().filter(c -> c != null && c.getName() != null).forEach(c -> present.add(c.getName()));
        }
      }
    }
    for (String name : skip) {
      if (!present.contains(name)) {
        warnings.add(keys.skipContainers() + "=\"" + value + "\": no container or init container is named \""
            + name + "\"; nothing to skip for it");
      }
    }
  }

  private static Optional<String> optional(Map<String, String> annotations, String key) {
    return Optional.ofNullable(annotations.get(key));
  }

  private static Map<String, String> annotations(HasMetadata object) {
    if (object == null || object.getMetadata() == null || object.getMetadata().getAnnotations() == null) {
      return Map.of();
    }
    return object.getMetadata().getAnnotations();
  }
}
