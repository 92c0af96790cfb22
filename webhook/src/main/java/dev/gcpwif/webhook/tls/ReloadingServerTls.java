package dev.gcpwif.webhook.tls;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context, fed from a PEM certificate and key and reloaded when their content changes.
 *
 * <p>Polls content hashes rather than using a file watcher: cert-manager rewrites the files in place while a mounted
 * Secret swaps a {@code ..data} symlink, and inotify-style watchers are known to miss one or the other. A new pair
 * that does not load (half written, mismatched, garbage) is logged once and the previous one keeps serving.
 */
public final class ReloadingServerTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingServerTls.class);

  private final Path certFile;
  private final Path keyFile;
  private final SslContextFactory.Server sslContextFactory = new SslContextFactory.Server();
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong failedReloads = new AtomicLong();
  private volatile ServingCertificate current;
  private volatile byte[] lastSeenHash;
  private volatile String lastFailure;
  private ScheduledExecutorService poller;

  /** Loads the pair now; a missing or unusable file is a startup error with a one-line message. */
  public ReloadingServerTls(Path certFile, Path keyFile) throws TlsMaterialException {
    this(certFile, keyFile, TlsPolicy.DEFAULTS);
  }

  /** With the protocol versions and cipher suites of {@code --tls-min-version} and {@code --tls-cipher-suites}. */
  public ReloadingServerTls(Path certFile, Path keyFile, TlsPolicy policy) throws TlsMaterialException {
    this.certFile = certFile;
    this.keyFile = keyFile;
    byte[] certPem = ServingCertificate.read(certFile);
    byte[] keyPem = ServingCertificate.read(keyFile);
    this.current = ServingCertificate.parse(certPem, certFile.toString(), keyPem, keyFile.toString());
    this.lastSeenHash = hash(certPem, keyPem);
    sslContextFactory.setKeyStore(current.toKeyStore());
    sslContextFactory.setKeyStorePassword(new String(ServingCertificate.KEYSTORE_PASSWORD));
    policy.applyTo(sslContextFactory);
    LOG.info("serving certificate {} (expires {})", current.subject(), current.notAfter());
  }

  public SslContextFactory.Server sslContextFactory() {
    return sslContextFactory;
  }

  /** Starts polling the files every {@code interval}; a zero interval disables reloading. */
  public synchronized void startPolling(Duration interval) {
    if (interval.isZero() || interval.isNegative() || poller != null) {
      return;
    }
    poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "tls-reload");
      thread.setDaemon(true);
      return thread;
    });
    long millis = interval.toMillis();
    poller.scheduleWithFixedDelay(this::reloadIfChangedQuietly, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void reloadIfChangedQuietly() {
    try {
      reloadIfChanged();
    } catch (RuntimeException e) {
      LOG.warn("TLS reload check failed: {}", e.toString());
    }
  }

  /** Returns true when a new pair was loaded and is now served to new connections. */
  public boolean reloadIfChanged() {
    byte[] certPem;
    byte[] keyPem;
    try {
      certPem = ServingCertificate.read(certFile);
      keyPem = ServingCertificate.read(keyFile);
    } catch (TlsMaterialException e) {
      // During a Secret update the symlink swap can make a file vanish for an instant; retry on the next poll.
      return recordFailure(null, e);
    }
    byte[] hash = hash(certPem, keyPem);
    if (Arrays.equals(hash, lastSeenHash)) {
      return false;
    }
    ServingCertificate candidate;
    try {
      candidate = ServingCertificate.parse(certPem, certFile.toString(), keyPem, keyFile.toString());
    } catch (TlsMaterialException e) {
      return recordFailure(hash, e);
    }
    try {
      sslContextFactory.reload(factory -> factory.setKeyStore(candidate.toKeyStore()));
    } catch (Exception e) {
      return recordFailure(hash, new TlsMaterialException("cannot install the new certificate: " + e.getMessage(), e));
    }
    lastSeenHash = hash;
    lastFailure = null;
    current = candidate;
    reloads.incrementAndGet();
    LOG.info("reloaded serving certificate {} (expires {})", candidate.subject(), candidate.notAfter());
    return true;
  }

  private boolean recordFailure(byte[] hash, TlsMaterialException e) {
    // One line per distinct problem, not one per poll.
    if (!e.getMessage().equals(lastFailure)) {
      lastFailure = e.getMessage();
      failedReloads.incrementAndGet();
      LOG.warn("keeping the current serving certificate: {}", e.getMessage());
    }
    if (hash != null) {
      lastSeenHash = hash;
    }
    return false;
  }

  public long reloads() {
    return reloads.get();
  }

  public long failedReloads() {
    return failedReloads.get();
  }

  public Instant currentNotAfter() {
    return current.notAfter();
  }

  private static byte[] hash(byte[] certPem, byte[] keyPem) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(certPem);
      digest.update((byte) 0);
      digest.update(keyPem);
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
      poller = null;
    }
  }
}
