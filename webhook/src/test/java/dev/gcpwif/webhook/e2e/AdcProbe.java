package dev.gcpwif.webhook.e2e;

import com.google.auth.oauth2.GoogleCredentials;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.List;

/**
 * Runs in a child JVM with a container's environment (google-auth reads it from the process env): Application Default
 * Credentials, then one authenticated GET. Prints the credential type and the status, never the token.
 */
public final class AdcProbe {
  private AdcProbe() {}

  public static void main(String[] args) throws Exception {
    GoogleCredentials credentials = GoogleCredentials.getApplicationDefault()
        .createScoped(List.of("https://www.googleapis.com/auth/cloud-platform"));
    credentials.refreshIfExpired();
    HttpURLConnection connection = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
    connection.setRequestProperty("Authorization", "Bearer " + credentials.getAccessToken().getTokenValue());
    int status = connection.getResponseCode();
    System.out.println("credentials=" + credentials.getClass().getSimpleName() + " status=" + status);
    System.exit(status == 200 ? 0 : 1);
  }
}
