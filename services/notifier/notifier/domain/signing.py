"""Webhook signatures, as each platform specifies them.

- DingTalk robot: `sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))`,
  timestamp in milliseconds, both as query parameters.
- Feishu bot: `sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`, timestamp in seconds,
  both in the JSON body.
- Generic JSON: header `X-Signature: sha256=<hex HMAC-SHA256(key=secret, msg=f"{timestamp}.{body}")>` with
  `X-Timestamp: <seconds>`, so receivers can also refuse replays.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def generic_sign(secret: str, timestamp_s: int, body: bytes) -> str:
    message = str(timestamp_s).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
