package dev.gcpwif.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory figures of a live process from /proc/PID/status (Linux), in KiB. */
public final class ProcStatus {
  private ProcStatus() {}

  /** Resident set size now. */
  public static long rssKib(long pid) throws IOException {
    return kib(pid, "VmRSS");
  }

  /**
   * Peak resident set size since the process started (the kernel's high-water mark): what a memory limit must cover,
   * since the cgroup charges the pages when they are touched, whether or not they are resident when anyone looks.
   */
  public static long peakRssKib(long pid) throws IOException {
    return kib(pid, "VmHWM");
  }

  /** Threads of the process now. */
  public static long threads(long pid) throws IOException {
    return kib(pid, "Threads");
  }

  /** The largest thread count seen while {@code work} runs, sampled every few milliseconds. */
  public static <T> long peakThreadsDuring(long pid, java.util.concurrent.Callable<T> work, java.util.function.Consumer<T> result)
      throws Exception {
    java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong(threads(pid));
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        try {
          peak.accumulateAndGet(threads(pid), Math::max);
          Thread.sleep(5);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    }, "thread-sampler");
    sampler.setDaemon(true);
    sampler.start();
    try {
      result.accept(work.call());
    } finally {
      done.set(true);
      sampler.join(1000);
    }
    return peak.get();
  }

  private static long kib(long pid, String field) throws IOException {
    String prefix = field + ":";
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith(prefix)) {
        return Long.parseLong(line.substring(prefix.length()).replace("kB", "").trim());
      }
    }
    throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
  }
}
