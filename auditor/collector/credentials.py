"""Credentials for the SDK clients: the Alibaba Cloud default chain, a CLI profile, or env.

``alibabacloud_credentials`` copies the ``ALIBABA_CLOUD_*`` variables when first imported,
so the plain environment case is read here, at call time. Everything else goes through the
library's providers (CLI profile file, INI file, OIDC/RRSA, ECS RAM role).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.provider import CLIProfileCredentialsProvider
from alibabacloud_tea_openapi.models import Config

from auditor.collector.errors import CollectionAborted

log = logging.getLogger("ram_audit.collector")


@dataclass(frozen=True)
class ResolvedCredentials:
    """Static values, or a library client that refreshes them (ECS role, OIDC, ...)."""

    access_key_id: str = field(repr=False)
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = "static"
    client: Any = field(default=None, repr=False, compare=False)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.access_key_secret, self.security_token) if s)

    def sdk_config(self) -> Config:
        """A fresh SDK ``Config`` carrying these credentials (no endpoint yet)."""
        if self.client is not None:
            return Config(credential=self.client)
        return Config(
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            security_token=self.security_token,
        )


def _from_environment() -> ResolvedCredentials | None:
    key_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "").strip()
    secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "").strip()
    if not (key_id and secret):
        return None
    token = os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", "").strip() or None
    return ResolvedCredentials(key_id, secret, token, source="environment")


def resolve_credentials(profile: str | None = None) -> ResolvedCredentials:
    """Pick credentials: ``profile`` from ~/.aliyun/config.json, else env, else the chain."""
    if profile is None:
        from_env = _from_environment()
        if from_env is not None:
            return from_env
        client = CredentialClient()
        source = "default chain"
    else:
        client = CredentialClient(provider=CLIProfileCredentialsProvider(profile_name=profile))
        source = f"profile {profile}"
    try:
        model = client.get_credential()
    except Exception as exc:  # the library raises several unrelated types
        log.debug("credential resolution failed (%s): %s", source, " ".join(str(exc).split()))
        hint = (
            "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, pass --profile, "
            "or run where an OIDC/RRSA token or an ECS RAM role is available"
            if profile is None
            else f"check that profile {profile!r} exists in ~/.aliyun/config.json and is complete"
        )
        raise CollectionAborted(f"no usable credentials ({source}): {hint}") from None
    if not (model.access_key_id and model.access_key_secret):
        raise CollectionAborted(f"no usable credentials ({source}): empty AccessKey")
    return ResolvedCredentials(
        model.access_key_id,
        model.access_key_secret,
        model.security_token or None,
        source=source,
        client=client,
    )


def static_credentials(
    access_key_id: str, access_key_secret: str, security_token: str | None = None
) -> ResolvedCredentials:
    return ResolvedCredentials(access_key_id, access_key_secret, security_token)
