package dev.gcpwif.testsupport;

import java.io.IOException;
import java.net.ServerSocket;

/** Ports for the processes a test starts: fixed ones collide with whatever else runs on the machine. */
public final class Ports {
  private Ports() {}

  /** A port free a moment ago (the kernel's choice for an ephemeral bind), for a process to listen on. */
  public static int free() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
