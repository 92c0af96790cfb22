package dev.gcpwif.sidecar.realclients;

import com.google.auth.oauth2.ComputeEngineCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdTokenProvider;
import java.util.List;

/**
 * Run as a child JVM with GCE_METADATA_HOST set (google-auth reads it from the real environment only): prints what
 * Java's Application Default Credentials obtain from the metadata server, one value per line.
 */
public final class JavaMetadataClient {
  public static void main(String[] args) throws Exception {
    GoogleCredentials credentials = GoogleCredentials.getApplicationDefault();
    System.out.println(credentials.getClass().getSimpleName());
    credentials.refresh();
    System.out.println(credentials.getAccessToken().getTokenValue());
    System.out.println(((ComputeEngineCredentials) credentials).getAccount());
    System.out.println(((IdTokenProvider) credentials).idTokenWithAudience(args[0], List.of()).getTokenValue());
  }
}
