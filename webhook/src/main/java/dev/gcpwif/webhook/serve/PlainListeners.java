package dev.gcpwif.webhook.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Go webhook's plain-HTTP metrics and health-probe listeners, when their flags are given; none otherwise. They
 * serve the HTTPS port's {@code /metrics}, {@code /healthz} and {@code /readyz} through the same
 * {@link StatusEndpoints}: no admission path and no token on them.
 */
public final class PlainListeners implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlainListeners.class);

  private final List<PlainListener> listeners = new ArrayList<>();
  private final List<PlainListener> started = new ArrayList<>();

  PlainListeners(Optional<GoBindAddress> metrics, Optional<GoBindAddress> health, StatusEndpoints status,
      RequestLimits limits, Duration shutdownGrace) {
    metrics.ifPresent(address -> listeners.add(new PlainListener("metrics", address, limits, shutdownGrace,
        status::addMetricsRoute)));
    health.ifPresent(address -> listeners.add(new PlainListener("health probes", address, limits, shutdownGrace,
        status::addHealthRoutes)));
  }

  /** Starts each; if one cannot listen, the ones started are stopped and its one-line reason is thrown. */
  public void start() {
    for (PlainListener listener : listeners) {
      try {
        listener.start();
      } catch (IllegalStateException e) {
        close();
        throw e;
      }
      started.add(listener);
      LOG.info("listening on {} (plain HTTP, {} only)", listener.url(), listener.purpose());
    }
  }

  /** The bound ports in the order metrics, health (of those configured), for tests started on port 0. */
  List<Integer> ports() {
    return started.stream().map(PlainListener::port).toList();
  }

  @Override
  public void close() {
    for (PlainListener listener : started) {
      try {
        listener.close();
      } catch (RuntimeException e) {
        LOG.warn("stopping {}: {}", listener.url(), e.toString());
      }
    }
    started.clear();
  }
}
