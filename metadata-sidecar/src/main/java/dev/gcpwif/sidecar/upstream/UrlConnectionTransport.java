package dev.gcpwif.sidecar.upstream;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import dev.gcpwif.sidecar.concurrent.DaemonThreads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * google-http-client transport over the JDK's {@link HttpURLConnection}, with one deadline per call to STS and IAM
 * Credentials that the sidecar controls (google-auth gives no way to set timeouts on its requests, and its default
 * transport waits 20 s per attempt, longer than any metadata client waits for the sidecar).
 *
 * <p>{@code HttpURLConnection} rather than {@code java.net.http}: the JDK client keeps a selector thread and a worker
 * pool alive for as long as the client exists and loads its own reactive TLS stack, for a handful of small requests
 * an hour (BENCHMARKS.md, issue 14). The connect and read timeouts bound each step; a call still running at the
 * deadline (an answer trickling in a byte at a time) is cut by closing its connection from an {@code upstream-deadline}
 * thread that exists only while calls are running (the JDK's shared CompletableFuture delay thread, once started,
 * stays for the life of the JVM).
 */
public final class UrlConnectionTransport extends HttpTransport {
  // HttpURLConnection sets these itself (and silently drops some of them as request headers).
  private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "expect", "upgrade");
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "HEAD");
  /** STS and IAM answers are a few KiB; a larger body is not theirs and must not fill the 16 MiB heap. */
  private static final int MAX_BODY_BYTES = 1 << 20;

  private final Duration timeout;
  private final UnaryOperator<URI> route;
  private final SSLSocketFactory tls;
  private final ScheduledThreadPoolExecutor deadlines;

  /**
   * @param tls the TLS socket factory, or null for the JVM's default (its trust store, javax.net.ssl properties)
   * @param route rewrites each target URI before the call; identity in production, tests point Google's hosts at
   *     local fakes with it
   */
  public UrlConnectionTransport(Duration timeout, SSLSocketFactory tls, UnaryOperator<URI> route) {
    this.timeout = timeout;
    this.route = route;
    this.tls = tls;
    this.deadlines = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("upstream-deadline"));
    deadlines.setRemoveOnCancelPolicy(true); // a finished call's cut leaves the queue at once, and the thread can go
    deadlines.setKeepAliveTime(1, TimeUnit.SECONDS);
    deadlines.allowCoreThreadTimeOut(true);
  }

  @Override
  public boolean supportsMethod(String method) {
    return METHODS.contains(method);
  }

  @Override
  protected LowLevelHttpRequest buildRequest(String method, String url) {
    URI target = URI.create(url);
    return new Request(method, route.apply(target), target.getHost());
  }

  private final class Request extends LowLevelHttpRequest {
    private final String method;
    private final URI uri;
    private final String host;
    private final List<String[]> headers = new ArrayList<>();

    Request(String method, URI uri, String host) {
      this.method = method;
      this.uri = uri;
      this.host = host;
    }

    @Override
    public void addHeader(String name, String value) {
      if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
        headers.add(new String[] {name, value});
      }
    }

    @Override
    public LowLevelHttpResponse execute() throws IOException {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      if (tls != null && connection instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(tls);
      }
      int millis = (int) timeout.toMillis();
      connection.setConnectTimeout(millis);
      connection.setReadTimeout(millis);
      connection.setInstanceFollowRedirects(false);
      connection.setUseCaches(false);
      try {
        connection.setRequestMethod(method);
      } catch (ProtocolException e) {
        throw new IOException(method + " is not supported", e);
      }
      for (String[] header : headers) {
        connection.addRequestProperty(header[0], header[1]);
      }
      if (getContentType() != null) {
        connection.setRequestProperty("Content-Type", getContentType());
      }
      if (getContentEncoding() != null) {
        connection.setRequestProperty("Content-Encoding", getContentEncoding());
      }
      // Checked between reads as well: the cut below cannot reach a connection that is still being opened, and
      // closing a stream blocks while another thread reads it, so a trickling answer alone could outlive the cut.
      long deadlineNanos = System.nanoTime() + timeout.toNanos();
      AtomicBoolean finished = new AtomicBoolean();
      AtomicBoolean cut = new AtomicBoolean();
      ScheduledFuture<?> deadline = deadlines.schedule(() -> {
        if (!finished.get()) {
          cut.set(true);
          connection.disconnect(); // closes the socket: a read blocked on it fails at once
        }
      }, timeout.toMillis(), TimeUnit.MILLISECONDS);
      try {
        if (getStreamingContent() != null) {
          connection.setDoOutput(true);
          try (OutputStream body = connection.getOutputStream()) {
            getStreamingContent().writeTo(body);
          }
        }
        int status = connection.getResponseCode();
        InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        byte[] body = stream == null ? new byte[0] : readBounded(stream, deadlineNanos);
        return new Response(connection, status, body);
      } catch (SocketTimeoutException e) {
        throw timedOut();
      } catch (java.net.ConnectException e) {
        throw new java.net.ConnectException("cannot connect to " + host + ": "
            + (e.getMessage() == null ? "connection refused" : e.getMessage()));
      } catch (javax.net.ssl.SSLException e) {
        if (cut.get()) {
          throw timedOut();
        }
        throw new javax.net.ssl.SSLException("TLS failure talking to " + host + ": " + e.getMessage());
      } catch (IOException e) {
        if (cut.get()) {
          throw timedOut();
        }
        // e.g. a pooled keep-alive connection the server closed: the JDK reports only what the parser saw
        throw new java.net.SocketException("connection to " + host + " failed: " + e.getMessage());
      } finally {
        finished.set(true);
        deadline.cancel(false);
      }
    }

    private SocketTimeoutException timedOut() {
      return new SocketTimeoutException("no answer from " + host + " within " + timeout.toMillis() + " ms");
    }
  }

  private static byte[] readBounded(InputStream stream, long deadlineNanos) throws IOException {
    try (stream) {
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int read; (read = stream.read(buffer)) != -1; ) {
        if (body.size() + read > MAX_BODY_BYTES) {
          throw new IOException("answer larger than " + MAX_BODY_BYTES + " bytes");
        }
        body.write(buffer, 0, read);
        if (System.nanoTime() - deadlineNanos > 0) {
          throw new SocketTimeoutException("deadline passed while reading the answer");
        }
      }
      return body.toByteArray();
    }
  }

  private static final class Response extends LowLevelHttpResponse {
    private final int status;
    private final byte[] body;
    private final String contentType;
    private final String contentEncoding;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();

    Response(HttpURLConnection connection, int status, byte[] body) {
      this.status = status;
      this.body = body;
      this.contentType = connection.getContentType();
      this.contentEncoding = connection.getContentEncoding();
      connection.getHeaderFields().forEach((name, values) -> {
        if (name != null) { // the status line is listed under the null key
          values.forEach(value -> headers.add(Map.entry(name, value)));
        }
      });
    }

    @Override
    public InputStream getContent() {
      return new ByteArrayInputStream(body);
    }

    @Override
    public String getContentEncoding() {
      return contentEncoding;
    }

    @Override
    public long getContentLength() {
      return body.length;
    }

    @Override
    public String getContentType() {
      return contentType;
    }

    @Override
    public String getStatusLine() {
      return "HTTP/1.1 " + status;
    }

    @Override
    public int getStatusCode() {
      return status;
    }

    @Override
    public String getReasonPhrase() {
      return null;
    }

    @Override
    public int getHeaderCount() {
      return headers.size();
    }

    @Override
    public String getHeaderName(int index) {
      return headers.get(index).getKey();
    }

    @Override
    public String getHeaderValue(int index) {
      return headers.get(index).getValue();
    }
  }
}
