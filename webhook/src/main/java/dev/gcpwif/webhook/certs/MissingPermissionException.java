package dev.gcpwif.webhook.certs;

/**
 * The API server answered 403: the webhook's ServiceAccount lacks one RBAC permission. The message names it in the
 * terms of a Role rule, so an operator can fix the binding without reading code.
 */
public final class MissingPermissionException extends CertificateReconcileException {

  private final String verb;
  private final String resource;

  MissingPermissionException(String verb, String apiGroup, String resource, String name, String namespace) {
    super(message(verb, apiGroup, resource, name, namespace));
    this.verb = verb;
    this.resource = resource;
  }

  public String verb() {
    return verb;
  }

  public String resource() {
    return resource;
  }

  private static String message(String verb, String apiGroup, String resource, String name, String namespace) {
    String where = namespace == null ? "" : " in namespace \"" + namespace + "\"";
    // RBAC cannot limit create by resourceNames: the rule must name the resource type alone.
    String names = "create".equals(verb) ? "" : ", resourceNames: [\"" + name + "\"]";
    return "the webhook's ServiceAccount may not " + verb + " " + resource + " \"" + name + "\"" + where
        + " (HTTP 403 Forbidden); grant it " + ("".equals(apiGroup) ? "" : "in apiGroup \"" + apiGroup + "\" ")
        + "{verbs: [\"" + verb + "\"], resources: [\"" + resource + "\"]" + names + "}"
        + (namespace == null ? " in a ClusterRole" : " in a Role of namespace \"" + namespace + "\"")
        + " (deploy/overlays/self-signed has the rules)";
  }
}
