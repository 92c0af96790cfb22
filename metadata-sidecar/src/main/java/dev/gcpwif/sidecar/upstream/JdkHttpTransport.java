package dev.gcpwif.sidecar.upstream;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * google-http-client transport over the JDK HTTP client, so that every call to STS and IAM Credentials is bounded by
 * one timeout the sidecar controls (google-auth gives no way to set timeouts on its requests, and its default
 * transport waits 20 s per attempt, longer than any metadata client waits for the sidecar).
 */
public final class JdkHttpTransport extends HttpTransport {
  // The JDK client manages these itself and rejects them as request headers.
  private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "expect", "upgrade");

  private final HttpClient client;
  private final Duration timeout;
  private final UnaryOperator<URI> route;

  /**
   * @param route rewrites each target URI before the call; identity in production, tests point Google's hosts at
   *     local fakes with it
   */
  public JdkHttpTransport(HttpClient client, Duration timeout, UnaryOperator<URI> route) {
    this.client = client;
    this.timeout = timeout;
    this.route = route;
  }

  public static HttpClient.Builder clientBuilder(Duration timeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
  }

  @Override
  public boolean supportsMethod(String method) {
    return Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD").contains(method);
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
      if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        headers.add(new String[] {name, value});
      }
    }

    @Override
    public LowLevelHttpResponse execute() throws IOException {
      HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
      if (getStreamingContent() != null) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        getStreamingContent().writeTo(bytes);
        body = HttpRequest.BodyPublishers.ofByteArray(bytes.toByteArray());
      }
      HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout).method(method, body);
      for (String[] header : headers) {
        builder.header(header[0], header[1]);
      }
      if (getContentType() != null) {
        builder.setHeader("Content-Type", getContentType());
      }
      if (getContentEncoding() != null) {
        builder.setHeader("Content-Encoding", getContentEncoding());
      }
      try {
        return new Response(client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray()));
      } catch (HttpTimeoutException e) {
        throw new java.net.SocketTimeoutException("no answer from " + host + " within " + timeout.toMillis() + " ms");
      } catch (java.net.ConnectException e) {
        throw new java.net.ConnectException("cannot connect to " + host + ": "
            + (e.getMessage() == null ? "connection refused" : e.getMessage()));
      } catch (javax.net.ssl.SSLException e) {
        throw new javax.net.ssl.SSLException("TLS failure talking to " + host + ": " + e.getMessage());
      } catch (IOException e) {
        // e.g. a pooled keep-alive connection the server closed: the JDK reports only what the parser saw
        throw new java.net.SocketException("connection to " + host + " failed: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while calling " + host);
      }
    }
  }

  private static final class Response extends LowLevelHttpResponse {
    private final HttpResponse<byte[]> response;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();

    Response(HttpResponse<byte[]> response) {
      this.response = response;
      response.headers().map().forEach((name, values) -> {
        if (!name.startsWith(":")) {
          values.forEach(value -> headers.add(Map.entry(name, value)));
        }
      });
    }

    @Override
    public InputStream getContent() {
      return new ByteArrayInputStream(response.body());
    }

    @Override
    public String getContentEncoding() {
      return response.headers().firstValue("Content-Encoding").orElse(null);
    }

    @Override
    public long getContentLength() {
      return response.body().length;
    }

    @Override
    public String getContentType() {
      return response.headers().firstValue("Content-Type").orElse(null);
    }

    @Override
    public String getStatusLine() {
      return "HTTP/1.1 " + response.statusCode();
    }

    @Override
    public int getStatusCode() {
      return response.statusCode();
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
