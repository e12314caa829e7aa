"""Request signatures: ACS3-HMAC-SHA256 (V3, the SDK default) and RPC v1 HMAC-SHA1.

Pure functions; :mod:`auditor.emulator.auth` decides what a mismatch means.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_PAYLOAD_HASH = hashlib.sha256(b"").hexdigest()


def _rfc3986(text: str) -> str:
    return quote(text, safe="~")


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Decoded query pairs, sorted and RFC 3986-encoded (space → ``%20``)."""
    return "&".join(f"{_rfc3986(k)}={_rfc3986(v)}" for k, v in sorted(pairs))


@dataclass(frozen=True)
class Acs3Authorization:
    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Acs3Authorization:
    """Split ``ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..``; ValueError if not."""
    algorithm, _, rest = value.strip().partition(" ")
    fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    try:
        return Acs3Authorization(
            algorithm=algorithm,
            access_key_id=fields["Credential"],
            signed_headers=tuple(h for h in fields["SignedHeaders"].split(";") if h),
            signature=fields["Signature"],
        )
    except KeyError as missing_field:
        raise ValueError(f"Authorization lacks {missing_field}") from None


def acs3_canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    payload_hash: str,
) -> str:
    """The canonical request of §1.3; ``headers`` has lower-case names."""
    names = list(signed_headers)
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in names)
    return "\n".join(
        [method, path or "/", canonical_query(query), canonical_headers, ";".join(names),
         payload_hash]
    )


def acs3_signature(secret: str, canonical_request: str) -> str:
    """Hex HMAC-SHA256 of the string to sign, keyed with the raw secret."""
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"{ACS3_ALGORITHM}\n{digest}"
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def rpc_string_to_sign(method: str, params: Iterable[tuple[str, str]], plus: bool = False) -> str:
    """RPC v1 string to sign; ``plus`` encodes like the credentials library (``quote_plus``)."""
    encode = (lambda s: quote_plus(s, safe="~")) if plus else _rfc3986
    pairs = sorted((k, v) for k, v in params if k != "Signature")
    joined = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    return f"{method}&{_rfc3986('/')}&{_rfc3986(joined)}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    """Base64 HMAC-SHA1 keyed with ``secret + '&'``."""
    mac = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()
