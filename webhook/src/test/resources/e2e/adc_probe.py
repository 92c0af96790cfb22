"""Application Default Credentials with the SDK's bundled google-auth, then one authenticated GET.

Prints the credential type and the status, never the token.
"""
import sys

import google.auth
import google.auth.transport.requests

credentials, project = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
session = google.auth.transport.requests.AuthorizedSession(credentials)
response = session.get(sys.argv[1], timeout=30)
print("credentials=%s.%s status=%d" % (type(credentials).__module__, type(credentials).__name__, response.status_code))
sys.exit(0 if response.status_code == 200 else 1)
