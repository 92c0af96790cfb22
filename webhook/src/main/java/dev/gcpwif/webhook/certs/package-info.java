/**
 * Self-signed mode ({@code serve --self-signed-certs}): the webhook issues and renews its own TLS certificates, for
 * clusters without cert-manager.
 *
 * <p>Wiring, in {@code serve}: add {@code @Mixin SelfSignedOptions} (its flags, in {@code cli}); when {@link
 * dev.gcpwif.webhook.cli.SelfSignedOptions#enabled()}, build {@link dev.gcpwif.webhook.certs.SelfSignedCertificates}
 * from {@code toSettings(tlsCertFile, tlsKeyFile, client.getNamespace())}, call {@code start(checkInterval())} and
 * {@code awaitFirstReconcile(...)} before opening the HTTPS port (the files exist from then on), and {@code close()}
 * on shutdown.
 *
 * <p>Behaviour:
 * <ul>
 *   <li>Shared state: one {@code kubernetes.io/tls} Secret (default {@code gcp-wif-webhook-tls}) in the webhook's
 *       namespace with {@code tls.crt}, {@code tls.key}, {@code ca.crt}, {@code ca.key} and, after a CA rotation,
 *       {@code ca-retired.crt}. Replicas converge on it with conditional writes (create, or update at the read
 *       resourceVersion); the loser of a race re-reads. No leader election.
 *   <li>Lifetimes: ECDSA P-256; CA 10 years, replaced 1 year before expiry; serving certificate 90 days, replaced 30
 *       days before expiry (the cert-manager overlay's numbers); checked every 10 minutes by every replica.
 *   <li>CA rotation: the new CA signs a new serving certificate at once; the previous CA stays in {@code caBundle}
 *       until it expires, so replicas still serving the previous certificate keep working until they re-read.
 *   <li>{@code caBundle}: every {@code webhooks[*].clientConfig.caBundle} of the named MutatingWebhookConfiguration,
 *       JSON-patched only when different; re-applied if something resets it.
 *   <li>Files: written only after {@code caBundle} trusts their issuer, each replaced by an atomic rename.
 *   <li>Errors: one log line per failed attempt (403s name the verb, resource and object to grant), retried after
 *       5 s, doubling up to 5 min.
 * </ul>
 *
 * <p>Security model: the CA is trusted only by this webhook's configuration, so its key lets the holder impersonate
 * this webhook to the API server, as the serving key already does; both live in one Secret that only the webhook's
 * ServiceAccount may read (a Role limited by resourceNames). RBAC cannot limit {@code create} by name, so the webhook
 * may create other Secrets in its own namespace, but not read or change them.
 */
package dev.gcpwif.webhook.certs;
