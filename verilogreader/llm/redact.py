"""Secrets out of everything the LLM side saves or prints.

Endpoints echo what they were sent: a 401 body once carried `Authorization: Bearer <key>` into
results.json and the exchange log, and a key given in the URL (`http://user:KEY@host/v1`) was
stored as the endpoint. The client scrubs every text it hands out (answers, failure messages)
with the key it knows; settings describe the endpoint without its userinfo.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "[redacted]"
# Credentials in the usual header forms, whatever key they carry.
_TOKEN = re.compile(r"\b(Bearer|Basic|Token)(\s+|%20)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the known secrets, any auth token, or userinfo in URLs."""
    for secret in secrets:
        if secret and len(secret) >= 4:  # a 1-3 character "key" would blank out ordinary words
            text = text.replace(secret, HIDDEN)
    text = _TOKEN.sub(lambda m: f"{m[1]} {HIDDEN}", text)
    return _USERINFO.sub("", text)


def public_url(url: str) -> str:
    """The URL without `user:password@`: what may be stored or shown."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The password given in a URL: a known secret to scrub."""
    password = urlsplit(url).password
    return [password] if password else []
