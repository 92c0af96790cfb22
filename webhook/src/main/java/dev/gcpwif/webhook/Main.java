package dev.gcpwif.webhook;

public final class Main {
  public static void main(String[] args) {
    System.out.println("webhook: not implemented yet");
  }
}
