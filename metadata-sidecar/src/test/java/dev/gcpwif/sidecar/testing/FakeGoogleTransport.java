package dev.gcpwif.sidecar.testing;

import com.google.auth.http.HttpTransportFactory;
import dev.gcpwif.sidecar.upstream.UrlConnectionTransport;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** The sidecar's own production transport, trusting {@link FakeGoogle}'s CA: what an in-process sidecar is given. */
public final class FakeGoogleTransport {
  private FakeGoogleTransport() {}

  /** Sends Google's real host names to the fakes: for configurations written by {@link FakeGoogle#writeConfig}. */
  public static HttpTransportFactory routed(FakeGoogle google, Duration timeout) {
    return transport(google, timeout, google::route);
  }

  /** No rerouting: for configurations that name the fakes' own addresses ({@link FakeGoogle#writeLocalConfig}). */
  public static HttpTransportFactory unrouted(FakeGoogle google, Duration timeout) {
    return transport(google, timeout, uri -> uri);
  }

  private static HttpTransportFactory transport(FakeGoogle google, Duration timeout, UnaryOperator<URI> route) {
    UrlConnectionTransport transport =
        new UrlConnectionTransport(timeout, google.ca().clientContext().getSocketFactory(), route);
    return () -> transport;
  }
}
