package dev.gcpwif.webhook.mutation.file;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code external_account} credential configuration, byte for byte what {@code gcloud iam
 * workload-identity-pools create-cred-config PROVIDER [--service-account=EMAIL] --credential-source-file=FILE}
 * writes (Cloud SDK 528): same fields, same order, same two-space indentation, no trailing newline. Matching gcloud
 * exactly means every Google SDK that reads gcloud's files reads this one, and a diff against gcloud's output is
 * empty. gcloud adds {@code token_info_url} only without impersonation.
 */
public final class ExternalAccountConfig {
  static final String TOKEN_URL = "https://sts.googleapis.com/v1/token";
  static final String TOKEN_INFO_URL = "https://sts.googleapis.com/v1/introspect";
  static final String IMPERSONATION_URL =
      "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/%s:generateAccessToken";

  private ExternalAccountConfig() {}

  public static String render(String provider, Optional<String> serviceAccountEmail, String tokenFile) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("universe_domain", "googleapis.com");
    config.put("type", "external_account");
    config.put("audience", "//iam.googleapis.com/" + provider);
    config.put("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
    config.put("token_url", TOKEN_URL);
    config.put("credential_source", Map.of("file", tokenFile));
    serviceAccountEmail.ifPresentOrElse(
        email -> config.put("service_account_impersonation_url", String.format(IMPERSONATION_URL, email)),
        () -> config.put("token_info_url", TOKEN_INFO_URL));
    StringBuilder out = new StringBuilder();
    writeObject(out, config, "");
    return out.toString();
  }

  // Python's json.dump(indent=2): ",\n" between members, ": " after keys, non-ASCII escaped.
  private static void writeObject(StringBuilder out, Map<String, Object> object, String indent) {
    String inner = indent + "  ";
    out.append("{\n");
    int remaining = object.size();
    for (Map.Entry<String, Object> member : object.entrySet()) {
      out.append(inner);
      writeString(out, member.getKey());
      out.append(": ");
      if (member.getValue() instanceof Map<?, ?> nested) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) nested;
        writeObject(out, map, inner);
      } else {
        writeString(out, (String) member.getValue());
      }
      out.append(--remaining > 0 ? ",\n" : "\n");
    }
    out.append(indent).append('}');
  }

  private static void writeString(StringBuilder out, String value) {
    out.append('"');
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
