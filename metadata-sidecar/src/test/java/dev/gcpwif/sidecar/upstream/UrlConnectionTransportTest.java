package dev.gcpwif.sidecar.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import dev.gcpwif.sidecar.testing.FakeGoogleTransport;
import dev.gcpwif.testsupport.FakeGoogle;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;

/** The transport's own bounds, which google-auth cannot set: one deadline per call, and a bounded answer. */
class UrlConnectionTransportTest {
  private static final GenericUrl STS = new GenericUrl("https://" + FakeGoogle.STS_HOST + "/v1/token");

  @Test
  void anAnswerTricklingInPastTheDeadlineIsCutAtTheDeadline() throws Exception {
    try (FakeGoogle google = new FakeGoogle()) {
      // 8 bytes every 200 ms: each read gets data well within the read timeout, the whole answer takes about 5 s
      google.stsAnswers(request -> new MockResponse.Builder(FakeGoogle.json(200, "{\"access_token\":\"" + "x".repeat(160)
          + "\",\"expires_in\":3600}")).throttleBody(8, 200, TimeUnit.MILLISECONDS).build());
      HttpRequest request = post(google, Duration.ofSeconds(1));

      long started = System.nanoTime();
      assertThatThrownBy(request::execute).isInstanceOf(SocketTimeoutException.class)
          .hasMessage("no answer from sts.googleapis.com within 1000 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
    }
  }

  @Test
  void anAnswerLargerThanAnyStsAnswerIsRefusedInsteadOfFillingTheHeap() throws Exception {
    try (FakeGoogle google = new FakeGoogle()) {
      google.stsAnswers(request -> FakeGoogle.json(200, "\"" + "x".repeat(2 << 20) + "\""));

      assertThatThrownBy(post(google, Duration.ofSeconds(10))::execute).isInstanceOf(IOException.class)
          .hasMessageContaining("answer larger than 1048576 bytes");
    }
  }

  @Test
  void errorStatusesCarryGooglesBody() throws Exception {
    try (FakeGoogle google = new FakeGoogle()) {
      google.stsAnswers(request -> FakeGoogle.json(400, "{\"error\":\"invalid_grant\"}"));
      HttpRequest request = post(google, Duration.ofSeconds(10)).setThrowExceptionOnExecuteError(false);

      var response = request.execute();
      assertThat(response.getStatusCode()).isEqualTo(400);
      assertThat(response.parseAsString()).isEqualTo("{\"error\":\"invalid_grant\"}");
    }
  }

  private static HttpRequest post(FakeGoogle google, Duration timeout) throws IOException {
    return FakeGoogleTransport.routed(google, timeout).create().createRequestFactory()
        .buildPostRequest(STS, ByteArrayContent.fromString("application/x-www-form-urlencoded", "grant_type=x"));
  }
}
