package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stopping the sidecar (SIGTERM when the pod ends) answers what is in flight and does not linger when nothing is. */
class GracefulStopTest {
  private static final String UNCACHED_SCOPE_TOKEN =
      "/computeMetadata/v1/instance/service-accounts/default/token?scopes=https://www.googleapis.com/auth/devstorage.read_only";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void aTokenRequestInFlightWhenStoppingIsStillAnswered() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      int exchangesBefore = fixture.google.stsRequests.size();
      fixture.google.stsDelay(Duration.ofMillis(1_000));
      CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
          HttpRequest.newBuilder(URI.create(fixture.baseUrl() + UNCACHED_SCOPE_TOKEN)).header("Metadata-Flavor", "Google")
              .build(), HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> fixture.google.stsRequests.size() > exchangesBefore);

      long started = System.nanoTime();
      fixture.sidecar.close();
      long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      HttpResponse<String> answer = inFlight.get(10, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(fixture.google.issuedAccessTokens).anySatisfy(token -> assertThat(answer.body()).contains(token));
      assertThat(stopMillis).as("waited for the request, not the whole grace period").isLessThan(2_900);
      assertThatThrownBy(() -> fixture.get("/healthz")).isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void stoppingWithNothingInFlightIsImmediate() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      assertThat(fixture.get("/healthz").statusCode()).isEqualTo(200);
      long started = System.nanoTime();
      fixture.sidecar.close();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(1_000);
      assertThatThrownBy(() -> fixture.get("/healthz")).isInstanceOf(ConnectException.class);
    }
  }
}
