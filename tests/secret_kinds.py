"""The secret kinds every path out is tested with: each a value a span may carry and the part
of it that must never leave tracekit.

Text kinds hide in ordinary text (an attribute value, a message, a span name); structural kinds
are attributes whose key or shape makes them secret (a secret-named key, a bytes value, a value
nested under an ``authorization`` key), which only OTLP (not the OTel SDK) can carry nested.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

ANTHROPIC_KEY = "sk-ant-api03-q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT-Ab12Cd34"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2pWq9vJ8Zq\n"
    "k4Lw0XbN1sQeRtYuIoPaSdFgHjKlZxCvBnM7Q2w3E4r5T6\n"
    "-----END RSA PRIVATE KEY-----"
)


@dataclass(frozen=True)
class TextSecret:
    """A secret inside text: ``text`` carries it, ``secret`` must vanish, ``kept`` stays."""

    kind: str
    text: str
    secret: str
    kept: str = ""


TEXT_SECRETS = (
    TextSecret("anthropic_key", f"calling with {ANTHROPIC_KEY} now", "q8Xv2LmR7tYp4WnZ0bKc6HsJ1d"),
    TextSecret("openai_key", "OPENAI_API_KEY is sk-proj-Zq81mXv0aBcDeFgH1234567890", "Zq81mXv0aB"),
    TextSecret("bearer", "sent Bearer 4f9c2b7e1d8a6f3c0b5a to the proxy", "4f9c2b7e1d8a6f3c"),
    TextSecret("aws_access_key_id", "aws key AKIAIOSFODNN7EXAMPLE in the log", "IOSFODNN7EXAMPLE"),
    TextSecret("aws_secret_key", f"aws_secret_access_key={AWS_SECRET}", "bPxRfiCYEXAMPLEKEY"),
    TextSecret(
        "aws_secret_key_context", f"export AWS_SECRET_ACCESS_KEY {AWS_SECRET}", "K7MDENG/bPxRfi"
    ),
    TextSecret("github_token", "token ghp_" + "a1B2" * 9, "a1B2a1B2a1B2a1B2"),
    TextSecret("slack_token", "slack xoxb-123456789012-123456789012-abcdefghij", "abcdefghij"),
    TextSecret("api_key_pair", "https://api.example.com/v1?api_key=s3cr3tvalue99&x=1", "s3cr3t"),
    TextSecret("password_pair", '{"password": "hunter2hunter2"}', "hunter2"),
    TextSecret("jwt", f"session {JWT} expired", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV"),
    TextSecret(
        "url_credentials",
        "connect postgres://admin:Hunter2Pass@db.internal:5432/app",
        "Hunter2Pass",
        kept="@db.internal:5432/app",
    ),
    TextSecret("pem_private_key", f"key:\n{PEM}\nend", "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2pWq"),
    TextSecret(
        "basic_auth_header", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"
    ),
    TextSecret(
        "basic_credential", "curl sent Basic YWxpY2U6czNjcjN0LXBhc3M= ok", "YWxpY2U6czNjcjN0"
    ),
    TextSecret(
        "stripe_live", "charge with sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"
    ),
    TextSecret("stripe_restricted", "rk_live_51HxYzAbCdEfGh1234567890", "51HxYzAbCdEfGh1234567890"),
    TextSecret("stripe_test", "sk_test_26PHem9AhJZvU623DfE1x4sd", "26PHem9AhJZvU623DfE1x4sd"),
    TextSecret(
        "google_api_key", "maps AIzaSyA1234567890abcdefghijklmnopqrstuv ok", "1234567890abcdefghij"
    ),
)


@dataclass(frozen=True)
class AttributeSecret:
    """An attribute that is secret by its key or shape; ``secret`` must vanish from it.
    ``sdk``: the OTel SDK can carry it (flat values only)."""

    kind: str
    key: str
    value: Any
    secret: str
    sdk: bool = True


#: A value no text pattern recognises: only the key (or where it is nested) makes it secret.
OPAQUE = "Opaque7Credential9Value"

ATTRIBUTE_SECRETS = (
    AttributeSecret(
        "key_aws_secret_access_key", "aws_secret_access_key", OPAQUE + "1", OPAQUE + "1"
    ),
    AttributeSecret("key_jwt", "auth.jwt", OPAQUE + "2", OPAQUE + "2"),
    AttributeSecret("key_db_connection_string", "db.connection_string", OPAQUE + "3", OPAQUE + "3"),
    AttributeSecret("key_private_key", "tls.private_key", OPAQUE + "4", OPAQUE + "4"),
    AttributeSecret("key_client_secret", "oauth.client_secret", OPAQUE + "5", OPAQUE + "5"),
    AttributeSecret("key_refresh_token", "oauth.refresh_token", OPAQUE + "6", OPAQUE + "6"),
    AttributeSecret("key_session_token", "aws.session_token", OPAQUE + "7", OPAQUE + "7"),
    AttributeSecret("key_cookie", "http.request.header.cookie", OPAQUE + "8", OPAQUE + "8"),
    AttributeSecret(
        "key_set_cookie", "http.response.header.set-cookie", [OPAQUE + "9"], OPAQUE + "9"
    ),
    AttributeSecret("key_numeric_password", "db.password", 73914268, "73914268"),
    AttributeSecret(
        "bytes_value",
        "app.payload",
        b"curl -H 'x: sk_live_4eC39HqLyjWDarjtT1zdp7dc'",
        "4eC39HqLyjWDarjtT1zdp7dc",
        sdk=False,
    ),
    AttributeSecret(
        "bytes_under_secret_key", "app.api_key", OPAQUE.encode() + b"B", OPAQUE + "B", sdk=False
    ),
    AttributeSecret(
        "nested_under_authorization",
        "http.request",
        {"headers": {"authorization": {"value": OPAQUE + "N"}}},
        OPAQUE + "N",
        sdk=False,
    ),
    AttributeSecret(
        "list_under_authorization",
        "headers.authorization",
        [OPAQUE + "L1", OPAQUE + "L2"],
        OPAQUE + "L",
    ),
    AttributeSecret(
        "key_value_pair_list",
        "http.headers",
        [{"key": "Authorization", "value": OPAQUE + "P"}, {"key": "accept", "value": "json"}],
        OPAQUE + "P",
        sdk=False,
    ),
)

TEXT_IDS = [s.kind for s in TEXT_SECRETS]
ATTRIBUTE_IDS = [s.kind for s in ATTRIBUTE_SECRETS]
SDK_ATTRIBUTE_SECRETS = tuple(s for s in ATTRIBUTE_SECRETS if s.sdk)
SDK_ATTRIBUTE_IDS = [s.kind for s in SDK_ATTRIBUTE_SECRETS]


def text_attribute(kind: str) -> str:
    """The attribute key a text kind travels under in the path tests."""
    return f"app.note.{kind}"


def secret_attributes(*, sdk: bool) -> dict[str, Any]:
    """Every secret kind as span attributes (text kinds under :func:`text_attribute`)."""
    attributes: dict[str, Any] = {text_attribute(s.kind): s.text for s in TEXT_SECRETS}
    for secret in ATTRIBUTE_SECRETS:
        if secret.sdk or not sdk:
            attributes[secret.key] = secret.value
    return attributes


def needles(secret: TextSecret | AttributeSecret) -> list[str]:
    """What must not show anywhere a span went: the secret, and for a bytes value its base64
    (the form bytes values were once stored in)."""
    found = [secret.secret]
    value = getattr(secret, "value", None)
    if isinstance(value, bytes):
        found.append(base64.b64encode(value).decode())
    return found


def leaks(secret: TextSecret | AttributeSecret, seen: str) -> list[str]:
    """The needles of ``secret`` that show in ``seen``."""
    return [needle for needle in needles(secret) if needle in seen]
