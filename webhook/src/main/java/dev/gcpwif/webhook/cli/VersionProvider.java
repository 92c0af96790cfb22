package dev.gcpwif.webhook.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code -V}: the version Maven wrote into the jar's manifest ("development build" when run from classes). */
public final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = VersionProvider.class.getPackage().getImplementationVersion();
    return new String[] {"gcp-wif webhook " + (version == null ? "(development build)" : version)};
  }
}
