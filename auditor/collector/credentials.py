"""Credentials for the SDK clients: the Alibaba Cloud default chain, a CLI profile, or env.

``alibabacloud_credentials`` copies the ``ALIBABA_CLOUD_*`` variables when first imported,
so the plain environment case is read here, at call time. Everything else goes through the
library's providers (CLI profile file, INI file, OIDC/RRSA, ECS RAM role).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.provider import CLIProfileCredentialsProvider
from alibabacloud_credentials.utils import auth_constant
from alibabacloud_tea_openapi.models import Config

from auditor.collector.errors import CollectionAborted, CredentialsConfigError

log = logging.getLogger("ram_audit.collector")

# The credentials library gives its logger a stderr handler of its own and logs failed
# providers (no ECS metadata service, a credentials URI answering HTML) with tracebacks,
# response bodies and cached values; our one-line message says what went wrong instead.
logging.getLogger("credentials").disabled = True


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


def cli_config_file() -> Path:
    """The aliyun CLI configuration file, where the library looks (``$HOME`` at its import)."""
    return Path(auth_constant.HOME) / ".aliyun" / "config.json"


def check_profile(profile: str) -> None:
    """Raise :class:`CredentialsConfigError` unless ``profile`` is in the CLI config file.

    Only existence is checked here; whether the profile's credentials work is for the API.
    """
    path = cli_config_file()
    if os.environ.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "").strip().lower() == "true":
        raise CredentialsConfigError(
            f"--profile {profile}: aliyun CLI profiles are disabled "
            "(ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true)"
        )
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsConfigError(
            f"--profile {profile}: no aliyun CLI config file {path} (run 'aliyun configure "
            f"--profile {profile}', or leave --profile out for the default credential chain)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a JSON file"
        raise CredentialsConfigError(f"--profile {profile}: cannot read {path}: {reason}") from None
    profiles = config.get("profiles") if isinstance(config, dict) else None
    names = [p.get("name") for p in profiles or () if isinstance(p, dict)]
    if profile not in names:
        known = ", ".join(str(n) for n in names if n) or "none"
        raise CredentialsConfigError(
            f"--profile {profile}: no such profile in {path} (profiles there: {known})"
        )


def resolve_credentials(profile: str | None = None) -> ResolvedCredentials:
    """Pick credentials: ``profile`` from ~/.aliyun/config.json, else env, else the chain.

    Raises :class:`CredentialsConfigError` for a profile the config file does not have,
    :class:`CollectionAborted` when no usable credentials are found.
    """
    if profile is not None:
        check_profile(profile)
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
