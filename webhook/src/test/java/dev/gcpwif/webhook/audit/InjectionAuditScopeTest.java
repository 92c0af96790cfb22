package dev.gcpwif.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import dev.gcpwif.webhook.deploy.Kustomize;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the audit assumes about the webhook configuration is what deploy/base ships. */
class InjectionAuditScopeTest {

  private static MutatingWebhook shippedWebhook() throws Exception {
    String yaml = Files.readString(Kustomize.repositoryRoot().resolve("deploy/base/mutatingwebhookconfiguration.yaml"));
    MutatingWebhookConfiguration configuration = (MutatingWebhookConfiguration) Kustomize.parse(yaml).get(0);
    assertThat(configuration.getWebhooks()).hasSize(1);
    return configuration.getWebhooks().get(0);
  }

  @Test
  void theExcludedNamespacesAreTheShippedNamespaceSelectors() throws Exception {
    var expressions = shippedWebhook().getNamespaceSelector().getMatchExpressions();

    assertThat(expressions).singleElement().satisfies(expression -> {
      assertThat(expression.getKey()).isEqualTo("kubernetes.io/metadata.name");
      assertThat(expression.getOperator()).isEqualTo("NotIn");
      assertThat(expression.getValues()).containsExactlyInAnyOrderElementsOf(
          InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES);
    });
  }

  @Test
  void theAuditCommandDefaultsToTheShippedExclusions() {
    var option = Main.commandLine(CommandLine.defaultFactory()).getSubcommands().get("audit").getCommandSpec()
        .findOption("--exclude-namespace");

    assertThat(List.of(option.defaultValue().split(",")))
        .containsExactlyInAnyOrderElementsOf(InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES);
  }

  @Test
  void theOptOutLabelIsTheShippedObjectSelector() throws Exception {
    var expressions = shippedWebhook().getObjectSelector().getMatchExpressions();

    assertThat(expressions).singleElement().satisfies(expression -> {
      assertThat(expression.getKey()).isEqualTo(InjectionAudit.OPT_OUT_LABEL);
      assertThat(expression.getOperator()).isEqualTo("NotIn");
      assertThat(expression.getValues()).containsExactly("false");
    });
  }
}
