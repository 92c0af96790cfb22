package dev.gcpwif.webhook.e2e;

import java.util.Map;

/** What a fake endpoint saw: enough to assert on, nothing secret is ever logged by the test. */
record RecordedCall(String method, String path, String query, String authorization, Map<String, String> form,
    String body) {}
