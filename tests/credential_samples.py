"""One sample of every credential kind the scanner knows: ``(kind, text, the secret in it)``.

``test_credentials`` checks that this list covers the scanner's table, so a new kind
cannot be added without a sample; the redaction tests put every sample into every output.
"""

from __future__ import annotations

SAMPLES: list[tuple[str, str, str]] = [
    (
        "a private key block",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq98Xsecretkeymaterial\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA7bq98Xsecretkeymaterial",
    ),
    ("an AWS access key id", "key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
    (
        "a GitHub token",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ),
    ("a GitLab token", "glpat-abcdefghijklmnopqrst", "glpat-abcdefghijklmnopqrst"),
    ("a Slack token", "xoxb-123456789012-abcdefghij", "xoxb-123456789012-abcdefghij"),
    (
        "an Anthropic API key",
        "sk-ant-api03-abcdefghijklmnopqrstuvwx",
        "sk-ant-api03-abcdefghijklmnopqrstuvwx",
    ),
    (
        "an OpenAI API key",
        "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
        "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    ),
    ("a Stripe key", "sk_live_abcdefghijklmnop1234", "sk_live_abcdefghijklmnop1234"),
    (
        "a Google API key",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ),
    ("a credential assignment", "password=SuperSecret123", "SuperSecret123"),
    ("a credential assignment", "export DB_PASSWORD=Tr0ub4dor3x", "Tr0ub4dor3x"),
    ("a credential assignment", "aws_secret_access_key = wJalrXUtnFEMIK7MDENG", "wJalrXUtnFEMIK7MDENG"),
    ("a credential assignment", "the password: Tr0ub4dor3x", "Tr0ub4dor3x"),
    (
        "a password in a URL",
        "connect to postgres://admin:hunter2hunter2@db.example.com/prod",
        "hunter2hunter2",
    ),
    ("a bearer token", "Authorization: Bearer abcdefghijklmnop0123456789", "abcdefghijklmnop0123456789"),
    (
        "a JSON web token",
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    ),
]
