package dev.gcpwif.webhook.certs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.cli.SelfSignedOptions;
import dev.gcpwif.webhook.deploy.Kustomize;
import dev.gcpwif.webhook.serve.ServeCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Renders deploy/overlays/self-signed with the real kubectl and checks the RBAC and flags self-signed mode needs. */
class SelfSignedOverlayTest {

  private static final String NAMESPACE = "gcp-wif-system";
  private static List<HasMetadata> objects;

  /** The self-signed flags and the TLS file flags, as the real {@code serve} parsed them. */
  record Serve(SelfSignedOptions selfSigned, Path certFile, Path keyFile) {}

  @BeforeAll
  static void render() throws Exception {
    objects = Kustomize.render("overlays/self-signed").objects();
  }

  @Test
  void theRoleGrantsOnlyItsOwnSecretPlusTheCreateRbacCannotLimitByName() {
    Role role = only(Role.class, "gcp-wif-webhook-certs");

    assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(role.getRules()).hasSize(2);
    PolicyRule own = role.getRules().get(0);
    assertThat(own.getApiGroups()).containsExactly("");
    assertThat(own.getResources()).containsExactly("secrets");
    assertThat(own.getResourceNames()).containsExactly(deploymentSettings().secretName());
    assertThat(own.getVerbs()).containsExactlyInAnyOrder("get", "update");
    PolicyRule create = role.getRules().get(1);
    assertThat(create.getResources()).containsExactly("secrets");
    assertThat(create.getResourceNames()).isEmpty();
    assertThat(create.getVerbs()).containsExactly("create");
    assertBoundToTheWebhook(only(RoleBinding.class, "gcp-wif-webhook-certs").getSubjects());
    assertThat(only(RoleBinding.class, "gcp-wif-webhook-certs").getRoleRef().getName())
        .isEqualTo("gcp-wif-webhook-certs");
  }

  @Test
  void theClusterRoleMayOnlyReadAndPatchItsOwnWebhookConfiguration() {
    ClusterRole role = only(ClusterRole.class, "gcp-wif-webhook-ca-injection");
    String configurationName = only(MutatingWebhookConfiguration.class, "gcp-wif-webhook").getMetadata().getName();

    assertThat(role.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("admissionregistration.k8s.io");
      assertThat(rule.getResources()).containsExactly("mutatingwebhookconfigurations");
      assertThat(rule.getResourceNames()).containsExactly(configurationName);
      assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "patch");
    });
    assertThat(deploymentSettings().webhookConfigName()).isEqualTo(configurationName);
    ClusterRoleBinding binding = only(ClusterRoleBinding.class, "gcp-wif-webhook-ca-injection");
    assertThat(binding.getRoleRef().getName()).isEqualTo("gcp-wif-webhook-ca-injection");
    assertBoundToTheWebhook(binding.getSubjects());
  }

  @Test
  void noClusterWideRuleTouchesSecrets() {
    assertThat(all(ClusterRole.class)).flatExtracting(ClusterRole::getRules)
        .allSatisfy(rule -> assertThat(rule.getResources()).doesNotContain("secrets", "*"));
  }

  @Test
  void theDeploymentRunsSelfSignedModeWithFilesInTheTmpEmptyDirAndNoSecretVolume() {
    Deployment deployment = only(Deployment.class, "gcp-wif-webhook");
    Container webhook = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    Serve serve = parseServeArgs(webhook.getArgs());
    SelfSignedSettings settings = serve.selfSigned().toSettings(serve.certFile(), serve.keyFile(), NAMESPACE);

    assertThat(webhook.getArgs()).first().isEqualTo("serve");
    assertThat(serve.selfSigned().enabled()).isTrue();
    assertThat(settings.serviceName()).isEqualTo(only(Service.class, "gcp-wif-webhook").getMetadata().getName());
    assertThat(webhook.getEnv()).extracting(EnvVar::getName).contains("POD_NAMESPACE");
    EnvVar podNamespace = webhook.getEnv().stream().filter(env -> env.getName().equals("POD_NAMESPACE"))
        .findFirst().orElseThrow();
    assertThat(podNamespace.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    VolumeMount tmp = webhook.getVolumeMounts().stream().filter(mount -> mount.getMountPath().equals("/tmp"))
        .findFirst().orElseThrow();
    assertThat(settings.certFile()).startsWithRaw(Path.of("/tmp"));
    assertThat(settings.keyFile()).startsWithRaw(Path.of("/tmp"));
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes()).singleElement().satisfies(volume -> {
      assertThat(volume.getName()).isEqualTo(tmp.getName());
      assertThat(volume.getEmptyDir()).isNotNull();
      assertThat(volume.getSecret()).isNull();
    });
    assertThat(webhook.getVolumeMounts()).extracting(VolumeMount::getMountPath).containsExactly("/tmp");
  }

  @Test
  void leavesTheCaBundleToTheWebhookWithoutCertManager() {
    MutatingWebhookConfiguration configuration = only(MutatingWebhookConfiguration.class, "gcp-wif-webhook");

    assertThat(configuration.getMetadata().getAnnotations()).doesNotContainKey("cert-manager.io/inject-ca-from");
    assertThat(configuration.getWebhooks()).allSatisfy(webhook -> {
      assertThat(webhook.getClientConfig().getCaBundle()).isNull();
      assertThat(webhook.getClientConfig().getService().getName()).isEqualTo(deploymentSettings().serviceName());
      assertThat(webhook.getClientConfig().getService().getNamespace()).isEqualTo(NAMESPACE);
    });
    assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("Certificate", "Issuer", "Secret");
  }

  private static void assertBoundToTheWebhook(List<Subject> subjects) {
    String serviceAccount = only(Deployment.class, "gcp-wif-webhook").getSpec().getTemplate().getSpec()
        .getServiceAccountName();
    assertThat(subjects).singleElement().satisfies(subject -> {
      assertThat(subject.getKind()).isEqualTo("ServiceAccount");
      assertThat(subject.getName()).isEqualTo(serviceAccount);
      assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
    });
  }

  private static SelfSignedSettings deploymentSettings() {
    Container webhook = only(Deployment.class, "gcp-wif-webhook").getSpec().getTemplate().getSpec()
        .getContainers().get(0);
    Serve serve = parseServeArgs(webhook.getArgs());
    return serve.selfSigned().toSettings(serve.certFile(), serve.keyFile(), NAMESPACE);
  }

  /** The container args parsed by the real {@code serve}: an unknown flag or an invalid value fails here. */
  private static Serve parseServeArgs(List<String> args) {
    CommandLine commandLine = new CommandLine(new ServeCommand());
    ParseResult result = commandLine.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    SelfSignedOptions options = (SelfSignedOptions) commandLine.getCommandSpec().mixins().get("selfSigned")
        .userObject();
    return new Serve(options, result.matchedOptionValue("--tls-cert-file", null),
        result.matchedOptionValue("--tls-key-file", null));
  }

  private static <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends HasMetadata> T only(Class<T> type, String name) {
    List<T> matches = all(type).stream().filter(object -> object.getMetadata().getName().equals(name)).toList();
    assertThat(matches).as("%s %s in the rendered overlay", type.getSimpleName(), name).hasSize(1);
    return matches.get(0);
  }

}
