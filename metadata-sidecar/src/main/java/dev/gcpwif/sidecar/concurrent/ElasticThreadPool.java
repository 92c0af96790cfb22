package dev.gcpwif.sidecar.concurrent;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool that starts a thread for a task only when no thread is idle, up to a maximum, and queues tasks beyond that.
 * {@link ThreadPoolExecutor} alone does one or the other: with a queue it never grows past its core size until the
 * queue is full; with core = maximum it starts a new thread for every task until it has them all, idle ones
 * notwithstanding. Here the threads track the tasks that are actually running at once (a client that blocks its
 * thread, such as one sending its request slowly, makes room for one more), and none stay once idle.
 */
public final class ElasticThreadPool extends ThreadPoolExecutor {
  /** Tasks handed to execute and not yet finished: running or queued. */
  private final AtomicInteger unfinished = new AtomicInteger();
  private final AtomicInteger threads;

  private ElasticThreadPool(int maxThreads, long keepAliveSeconds, GrowFirstQueue queue, AtomicInteger threads,
      String name) {
    super(0, maxThreads, keepAliveSeconds, TimeUnit.SECONDS, queue, counted(DaemonThreads.named(name), threads));
    this.threads = threads;
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
    return new ElasticThreadPool(maxThreads, keepAliveSeconds, new GrowFirstQueue(maxQueued), new AtomicInteger(), name);
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

  /** Refuses a task (so the pool starts a thread) while the pool may grow and no thread is idle. */
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
      return false;
    }

    boolean enqueue(Runnable task) {
      return super.offer(task);
    }
  }
}
