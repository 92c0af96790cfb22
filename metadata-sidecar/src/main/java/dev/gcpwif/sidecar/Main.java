package dev.gcpwif.sidecar;

public final class Main {
  public static void main(String[] args) {
    System.out.println("metadata-sidecar: not implemented yet");
  }
}
