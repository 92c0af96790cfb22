package dev.gcpwif.sidecar.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ElasticThreadPoolTest {

  @Test
  void sequentialTasksReuseOneThread() throws Exception {
    ElasticThreadPool pool = ElasticThreadPool.create("t", 16, 16, 30);
    try {
      for (int i = 0; i < 50; i++) {
        CountDownLatch done = new CountDownLatch(1);
        pool.execute(done::countDown);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getActiveCount() == 0);
      }
      assertThat(pool.getLargestPoolSize()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void blockedTasksGetAThreadEachUpToTheMaximumThenQueueThenAreRejected() throws Exception {
    ElasticThreadPool pool = ElasticThreadPool.create("t", 4, 2, 30);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    Runnable blocked = () -> {
      try {
        release.await();
        ran.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    try {
      for (int i = 0; i < 4; i++) {
        pool.execute(blocked);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> pool.getActiveCount() == 4);
      assertThat(pool.getPoolSize()).isEqualTo(4);
      pool.execute(blocked);
      pool.execute(blocked);
      assertThat(pool.getQueue()).hasSize(2);
      assertThatThrownBy(() -> pool.execute(blocked)).isInstanceOf(RejectedExecutionException.class);
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> ran.get() == 6);
      assertThat(pool.getLargestPoolSize()).isEqualTo(4);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void idleThreadsEnd() throws Exception {
    ElasticThreadPool pool = ElasticThreadPool.create("t", 4, 4, 1);
    try {
      CountDownLatch done = new CountDownLatch(1);
      pool.execute(done::countDown);
      assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.getPoolSize() == 0);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBurstOfShortTasksBeyondTheEagerThreadsIsQueuedNotGivenAThreadEach() throws Exception {
    ElasticThreadPool pool = ElasticThreadPool.create("t", 64, 2, 512, 30);
    CountDownLatch done = new CountDownLatch(256);
    try {
      for (int i = 0; i < 256; i++) {
        pool.execute(() -> {
          busyMicros(200);
          done.countDown();
        });
      }
      assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
      // short tasks keep the queue moving: the watchdog may add a thread on a stalled machine, not one per task
      assertThat(pool.getLargestPoolSize()).isLessThan(16);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tasksQueuedBehindBlockedThreadsGetThreadsOfTheirOwnSoon() throws Exception {
    ElasticThreadPool pool = ElasticThreadPool.create("t", 64, 2, 512, 30);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < 20; i++) {
        pool.execute(() -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      CountDownLatch quick = new CountDownLatch(1);
      long started = System.nanoTime();
      pool.execute(quick::countDown);
      // queued behind 20 blocked tasks on 2 eager threads: the stalled queue gets threads within the watchdog's period
      assertThat(quick.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(pool.getPoolSize()).isGreaterThanOrEqualTo(21);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  private static void busyMicros(long micros) {
    long end = System.nanoTime() + micros * 1000;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }
}
