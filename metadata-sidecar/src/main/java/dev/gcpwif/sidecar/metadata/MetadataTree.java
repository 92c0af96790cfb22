package dev.gcpwif.sidecar.metadata;

import com.google.gson.JsonArray;
import com.google.gson.JsonPrimitive;
import dev.gcpwif.sidecar.metadata.MetadataNode.Directory;
import dev.gcpwif.sidecar.metadata.MetadataNode.Dynamic;
import dev.gcpwif.sidecar.metadata.MetadataNode.Value;
import java.math.BigInteger;
import java.util.Optional;

/** The GCE metadata paths the sidecar serves, rooted at "/". */
public final class MetadataTree {
  private final Directory root;

  private MetadataTree(Directory root) {
    this.root = root;
  }

  public static MetadataTree of(Identity identity) {
    Directory accounts = new Directory().add("default", account("default", identity));
    identity.accountName().ifPresent(name -> accounts.addVerbatim(name, account(name, identity)));

    Directory instance = new Directory()
        .addVerbatim("attributes", new Directory())
        .add("hostname", text(identity.hostname()))
        .add("name", text(identity.hostname()))
        .add("service-accounts", accounts);

    Directory project = new Directory().addVerbatim("attributes", new Directory());
    identity.numericProjectId().ifPresent(n -> project.add("numeric-project-id", new Value(new JsonPrimitive(new BigInteger(n)))));
    identity.projectId().ifPresent(id -> project.add("project-id", text(id)));

    Directory v1 = new Directory()
        .add("instance", instance)
        .add("project", project)
        .add("universe", new Directory().add("universe-domain", text(identity.universeDomain())));
    return new MetadataTree(new Directory().add("computeMetadata", new Directory().add("v1", v1)));
  }

  private static Directory account(String name, Identity identity) {
    JsonArray aliases = new JsonArray();
    aliases.add("default");
    JsonArray scopes = new JsonArray();
    identity.defaultScopes().forEach(scopes::add);
    Directory account = new Directory().add("aliases", new Value(aliases));
    identity.accountName().ifPresent(email -> account.add("email", text(email)));
    return account
        .add("identity", new Dynamic(Dynamic.Kind.IDENTITY, name))
        .add("scopes", new Value(scopes))
        .add("token", new Dynamic(Dynamic.Kind.TOKEN, name));
  }

  private static Value text(String value) {
    return new Value(new JsonPrimitive(value));
  }

  /** The node at a path such as "/computeMetadata/v1/project/" (trailing slash ignored here). */
  public Optional<MetadataNode> find(String path) {
    MetadataNode node = root;
    for (String segment : path.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      if (!(node instanceof Directory directory) || !directory.children().containsKey(segment)) {
        return Optional.empty();
      }
      node = directory.children().get(segment).node();
    }
    return Optional.of(node);
  }
}
