package dev.gcpwif.sidecar.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pod's {@code external_account} credential configuration: the raw JSON (handed to google-auth as is) plus the
 * few fields the metadata endpoint needs to describe the identity.
 */
public final class CredentialConfig {
  private static final Pattern IMPERSONATION_EMAIL =
      Pattern.compile("/serviceAccounts/([^/:]+@[^/:]+):generateAccessToken$");
  private static final Pattern PROJECT_NUMBER = Pattern.compile("^//iam\\.googleapis\\.com/projects/(\\d+)/");

  private final Path path;
  private final JsonObject json;

  private CredentialConfig(Path path, JsonObject json) {
    this.path = path;
    this.json = json;
  }

  public static CredentialConfig load(Path path) throws ConfigException {
    if (path == null) {
      throw new ConfigException("no credential configuration: pass --credentials FILE or set GOOGLE_APPLICATION_CREDENTIALS");
    }
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException("credential configuration " + path + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read credential configuration " + path + ": " + e.getMessage());
    }
    JsonElement parsed;
    try {
      parsed = JsonParser.parseString(text);
    } catch (JsonParseException e) {
      throw new ConfigException("credential configuration " + path + " is not valid JSON");
    }
    if (!parsed.isJsonObject()) {
      throw new ConfigException("credential configuration " + path + " must be a JSON object");
    }
    JsonObject json = parsed.getAsJsonObject();
    String type = string(json, "type").orElse("");
    if (!"external_account".equals(type)) {
      throw new ConfigException("credential configuration " + path + ": \"type\" is '" + type
          + "', expected 'external_account' (as written by gcloud iam workload-identity-pools create-cred-config)");
    }
    for (String required : new String[] {"audience", "subject_token_type"}) {
      if (string(json, required).isEmpty()) {
        throw new ConfigException("credential configuration " + path + ": missing \"" + required + "\"");
      }
    }
    if (!json.has("credential_source") || !json.get("credential_source").isJsonObject()) {
      throw new ConfigException("credential configuration " + path + ": missing \"credential_source\" object");
    }
    CredentialConfig config = new CredentialConfig(path, json);
    Optional<String> impersonationUrl = string(json, "service_account_impersonation_url");
    if (impersonationUrl.isPresent() && !isHttpsUrl(impersonationUrl.get())) {
      throw new ConfigException("credential configuration " + path + ": \"service_account_impersonation_url\" must be "
          + "an https URL, e.g. https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken");
    }
    if (impersonationUrl.isPresent() && config.serviceAccountEmail().isEmpty()) {
      throw new ConfigException("credential configuration " + path + ": \"service_account_impersonation_url\" must end in "
          + "/serviceAccounts/EMAIL:generateAccessToken");
    }
    return config;
  }

  public Path path() {
    return path;
  }

  /** The JSON as google-auth reads it. */
  public JsonObject json() {
    return json.deepCopy();
  }

  public String audience() {
    return string(json, "audience").orElseThrow();
  }

  /** The Google service account this configuration impersonates; empty for direct federated access. */
  public Optional<String> serviceAccountEmail() {
    return string(json, "service_account_impersonation_url").flatMap(url -> {
      Matcher m = IMPERSONATION_EMAIL.matcher(url);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    });
  }

  /** Where generateAccessToken is called; ID tokens go to the same origin. */
  public Optional<java.net.URI> impersonationUrl() {
    return string(json, "service_account_impersonation_url").map(java.net.URI::create);
  }

  public Optional<String> quotaProjectId() {
    return string(json, "quota_project_id");
  }

  public Optional<String> projectNumberFromAudience() {
    Matcher m = PROJECT_NUMBER.matcher(audience());
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  public String universeDomain() {
    return string(json, "universe_domain").orElse("googleapis.com");
  }

  /** The file the projected ServiceAccount token is read from, when the source is a file. */
  public Optional<Path> subjectTokenFile() {
    JsonObject source = json.getAsJsonObject("credential_source");
    return string(source, "file").map(Path::of);
  }

  private static boolean isHttpsUrl(String text) {
    try {
      java.net.URI uri = new java.net.URI(text);
      return "https".equals(uri.getScheme()) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static Optional<String> string(JsonObject object, String field) {
    JsonElement value = object.get(field);
    if (value == null || !value.isJsonPrimitive() || value.getAsString().isBlank()) {
      return Optional.empty();
    }
    return Optional.of(value.getAsString());
  }
}
