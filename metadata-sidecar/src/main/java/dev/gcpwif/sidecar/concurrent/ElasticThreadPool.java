package dev.gcpwif.sidecar.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool that starts a thread for a task only when no thread is idle, up to a maximum, and queues tasks beyond that.
 * Past its eager threads it grows only when the queue stalls: a burst of short tasks then waits its turn instead of
 * getting a thread (and a stack) each, while tasks queued behind blocked threads get threads of their own within
 * {@link #STALL_MILLIS}.
 * {@link ThreadPoolExecutor} alone does one or the other: with a queue it never grows past its core size until the
 * queue is full; with core = maximum it starts a new thread for every task until it has them all, idle ones
 * notwithstanding. Here the threads track the tasks that are actually running at once (a client that blocks its
 * thread, such as one sending its request slowly, makes room for one more), and none stay once idle.
 */
public final class ElasticThreadPool extends ThreadPoolExecutor {
  /** How long the queue may go without a task finishing before its tasks get threads of their own. */
  static final long STALL_MILLIS = 100;
  /** Set on the watchdog's thread while it hands queued tasks threads of their own. */
  private static final ThreadLocal<Boolean> GROWING = ThreadLocal.withInitial(() -> false);

  /** Tasks handed to execute and not yet finished: running or queued. */
  private final AtomicInteger unfinished = new AtomicInteger();
  private final AtomicLong finished = new AtomicLong();
  private final AtomicBoolean watching = new AtomicBoolean();
  private final AtomicInteger threads;
  private final int eagerThreads;
  private final GrowFirstQueue queue;
  // Runs the check on the JDK's shared delay thread (the one CompletableFuture timeouts use): no thread of its own.
  private final Executor watchdog = CompletableFuture.delayedExecutor(STALL_MILLIS, TimeUnit.MILLISECONDS, Runnable::run);

  private ElasticThreadPool(int maxThreads, int eagerThreads, long keepAliveSeconds, GrowFirstQueue queue,
      AtomicInteger threads, String name) {
    super(0, maxThreads, keepAliveSeconds, TimeUnit.SECONDS, queue, counted(DaemonThreads.named(name), threads));
    this.threads = threads;
    this.eagerThreads = eagerThreads;
    this.queue = queue;
    queue.pool = this;
    // A thread found busy a moment ago may be idle now, or the pool reached its maximum between the queue's refusal
    // and the new thread: queue the task rather than refuse it while there is room.
    setRejectedExecutionHandler((task, pool) -> {
      if (pool.isShutdown() || !queue.enqueue(task)) {
        throw new RejectedExecutionException("all " + maxThreads + " threads busy and the queue is full");
      }
    });
  }

  /** @param maxQueued tasks waiting for a thread once all {@code maxThreads} are busy; beyond that, rejected */
  public static ElasticThreadPool create(String name, int maxThreads, int maxQueued, long keepAliveSeconds) {
    return create(name, maxThreads, maxThreads, maxQueued, keepAliveSeconds);
  }

  /**
   * @param eagerThreads threads started as soon as no thread is idle; beyond them, only when the queue stalls
   * @param maxQueued tasks waiting for a thread once all {@code maxThreads} are busy; beyond that, rejected
   */
  public static ElasticThreadPool create(String name, int maxThreads, int eagerThreads, int maxQueued,
      long keepAliveSeconds) {
    return new ElasticThreadPool(maxThreads, eagerThreads, keepAliveSeconds, new GrowFirstQueue(maxQueued),
        new AtomicInteger(), name);
  }

  @Override
  public void execute(Runnable task) {
    unfinished.incrementAndGet();
    try {
      super.execute(task);
    } catch (RuntimeException rejected) {
      unfinished.decrementAndGet();
      throw rejected;
    }
  }

  @Override
  protected void afterExecute(Runnable task, Throwable failure) {
    unfinished.decrementAndGet();
    finished.incrementAndGet();
  }

  /** Checks the queue after {@link #STALL_MILLIS}, unless a check is pending already. */
  private void watch() {
    if (watching.compareAndSet(false, true)) {
      long seen = finished.get();
      watchdog.execute(() -> check(seen));
    }
  }

  /** No task finished for a whole period: the threads are blocked (slow clients), so the queued tasks get threads. */
  private void check(long finishedBefore) {
    watching.set(false);
    if (isShutdown() || queue.isEmpty()) {
      return;
    }
    if (finished.get() == finishedBefore) {
      GROWING.set(true);
      try {
        Runnable next;
        while (threads.get() < getMaximumPoolSize() && (next = queue.poll()) != null) {
          super.execute(next);
        }
      } catch (RejectedExecutionException shutDown) {
        return;
      } finally {
        GROWING.set(false);
      }
    }
    if (!queue.isEmpty()) {
      watch();
    }
  }

  /** True when a thread is free for one more task (the count includes the task being offered). */
  private boolean hasIdleThread() {
    return unfinished.get() <= threads.get();
  }

  private static ThreadFactory counted(ThreadFactory factory, AtomicInteger threads) {
    return runnable -> {
      Thread thread = factory.newThread(() -> {
        try {
          runnable.run();
        } finally {
          threads.decrementAndGet();
        }
      });
      threads.incrementAndGet();
      return thread;
    };
  }

  /**
   * Refuses a task (so the pool starts a thread) while no thread is idle and the pool is below its eager threads or
   * the watchdog is growing it; queues it otherwise, and has the watchdog look at the queue soon.
   */
  private static final class GrowFirstQueue extends LinkedBlockingQueue<Runnable> {
    private ElasticThreadPool pool;

    GrowFirstQueue(int capacity) {
      super(capacity);
    }

    @Override
    public boolean offer(Runnable task) {
      if (pool.hasIdleThread() || pool.threads.get() >= pool.getMaximumPoolSize()) {
        return super.offer(task);
      }
      if (GROWING.get() || pool.threads.get() < pool.eagerThreads) {
        return false;
      }
      boolean queued = super.offer(task);
      if (queued) {
        pool.watch();
      }
      return queued;
    }

    boolean enqueue(Runnable task) {
      return super.offer(task);
    }
  }
}
