package dev.gcpwif.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * The Cloud Storage JSON API's object listing, enough for {@code gcloud storage ls} and {@code gsutil ls}: records the
 * Authorization header of every {@code GET /storage/v1/b/BUCKET/o}. Plain http for gcloud (its endpoint override
 * takes a URL), https for gsutil (its JSON API hard-codes https).
 */
public final class FakeCloudStorage implements AutoCloseable {
  public static final String OBJECT_NAME = "hello.txt";
  private static final Pattern LIST_OBJECTS = Pattern.compile("/storage/v1/b/([^/]+)/o");

  private final MockWebServer server = new MockWebServer();
  private final List<RecordedCall> listings = new CopyOnWriteArrayList<>();
  private final List<RecordedCall> others = new CopyOnWriteArrayList<>();
  private final boolean https;

  public FakeCloudStorage(TestCa caForHttpsOrNull) throws IOException {
    this.https = caForHttpsOrNull != null;
    if (https) {
      server.useHttps(caForHttpsOrNull.serverSocketFactory());
    }
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer(request);
      }
    });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  public int port() {
    return server.getPort();
  }

  /** For {@code CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE}. */
  public String jsonApiEndpoint() {
    return (https ? "https" : "http") + "://127.0.0.1:" + server.getPort() + "/storage/v1/";
  }

  /** For a library client: the listing URL of {@code bucket}. */
  public String listUrl(String bucket) {
    return jsonApiEndpoint() + "b/" + bucket + "/o";
  }

  /** The object listings received, in order. */
  public List<RecordedCall> listings() {
    return List.copyOf(listings);
  }

  /** The Authorization headers of the object listings received, in order. */
  public List<String> listingAuthorizations() {
    return listings.stream().map(RecordedCall::authorization).toList();
  }

  public List<RecordedCall> otherCalls() {
    return List.copyOf(others);
  }

  private MockResponse answer(RecordedRequest request) {
    String path = request.getUrl().encodedPath();
    RecordedCall call = RecordedCall.of(request);
    Matcher list = LIST_OBJECTS.matcher(path);
    if ("GET".equals(request.getMethod()) && list.matches()) {
      listings.add(call);
      String bucket = list.group(1);
      return FakeGoogle.json(200, "{\"kind\":\"storage#objects\",\"items\":[{\"kind\":\"storage#object\","
          + "\"id\":\"" + bucket + "/" + OBJECT_NAME + "/1\",\"name\":\"" + OBJECT_NAME + "\",\"bucket\":\"" + bucket
          + "\",\"generation\":\"1\",\"metageneration\":\"1\",\"size\":\"5\",\"contentType\":\"text/plain\","
          + "\"timeCreated\":\"2026-01-01T00:00:00.000Z\",\"updated\":\"2026-01-01T00:00:00.000Z\","
          + "\"storageClass\":\"STANDARD\",\"md5Hash\":\"XUFAKrxLKna5cZ2REBfFkg==\",\"crc32c\":\"mnG7TA==\","
          + "\"etag\":\"CAE=\"}]}");
    }
    others.add(call);
    return FakeGoogle.json(404, "{\"error\":{\"code\":404,\"message\":\"fake storage: no route for " + path + "\"}}");
  }

  @Override
  public void close() {
    server.close();
  }
}
