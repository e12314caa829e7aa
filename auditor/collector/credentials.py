"""Credentials for the SDK clients: the Alibaba Cloud default chain, a CLI profile, or env.

``alibabacloud_credentials`` copies the ``ALIBABA_CLOUD_*`` variables when first imported,
so the plain environment case is read here, at call time. The rest of the default chain is
walked here too, in the library's order and with its providers (OIDC/RRSA, CLI config file,
INI file, ECS RAM role, credentials URI), so that a failure can say what each one lacked
and the ECS metadata probe has a deadline.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.provider import (
    CLIProfileCredentialsProvider,
    EcsRamRoleCredentialsProvider,
    OIDCRoleArnCredentialsProvider,
    ProfileCredentialsProvider,
    URLCredentialsProvider,
)
from alibabacloud_credentials.utils import auth_constant
from alibabacloud_credentials.utils import auth_util as library_env
from alibabacloud_tea_openapi.models import Config

from auditor.collector.errors import CollectionAborted, CredentialsConfigError

log = logging.getLogger("ram_audit.collector")

# The credentials library gives its logger a stderr handler of its own and logs failed
# providers (no ECS metadata service, a credentials URI answering HTML) with tracebacks,
# response bodies and cached values; our one-line message says what went wrong instead.
logging.getLogger("credentials").disabled = True

#: The longest the ECS metadata probe may take. The library's 1 s timeouts hold for each of
#: its (up to four) requests and each read, so a service that answers byte by byte could
#: otherwise hold the run for ever; off ECS, the probe usually fails at once.
ECS_PROBE_SECONDS = 5.0
ECS_METADATA_HOST = "100.100.100.200"
#: The longest any other source may take (a profile of mode EcsRamRole, or one that calls
#: STS, such as OIDC/RRSA or RamRoleArn: the library waits up to 5 s to connect, 10 s a read).
SOURCE_SECONDS = 30.0


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
    if profile is None:
        return _from_environment() or _default_chain()
    check_profile(profile)
    client = CredentialClient(provider=CLIProfileCredentialsProvider(profile_name=profile))
    source = f"profile {profile}"
    try:
        model = client.get_credential()
    except Exception as exc:  # the library raises several unrelated types
        log.debug("credential resolution failed (%s): %s", source, _reason(exc))
        raise CollectionAborted(
            f"no usable credentials ({source}): {_reason(exc)}; check that profile "
            f"{profile!r} in {cli_config_file()} is complete"
        ) from None
    if not (model.access_key_id and model.access_key_secret):
        raise CollectionAborted(f"no usable credentials ({source}): empty AccessKey")
    return ResolvedCredentials(
        model.access_key_id,
        model.access_key_secret,
        model.security_token or None,
        source=source,
        client=client,
    )


# --- the default chain -------------------------------------------------------------------

#: A credentials provider to ask, or why the source is not there at all.
_Candidate = Callable[[], Any]


def _sources() -> Iterator[tuple[str, _Candidate]]:
    """The default chain after the environment, in the library's order, named for people."""
    env = library_env  # read once, when the library was imported, as its providers do
    yield "OIDC/RRSA", lambda: (
        OIDCRoleArnCredentialsProvider() if env.enable_oidc_credential else
        "ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and "
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE not all set")
    cli_file = cli_config_file()
    yield f"aliyun CLI config {cli_file}", lambda: (
        "disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED"
        if env.environment_cli_profile_disabled.lower() == "true"
        else CLIProfileCredentialsProvider() if cli_file.is_file() else "no such file")
    ini_file = Path(env.environment_credentials_file or
                    Path(auth_constant.HOME) / ".alibabacloud" / "credentials.ini")
    yield f"credentials INI file {ini_file}", lambda: (
        ProfileCredentialsProvider() if ini_file.is_file() else "no such file")
    yield "ECS instance RAM role", lambda: (
        "disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED"
        if env.environment_ecs_metadata_disabled.lower() == "true"
        else EcsRamRoleCredentialsProvider(async_update_enabled=False))
    if env.environment_credentials_uri:
        yield f"ALIBABA_CLOUD_CREDENTIALS_URI {env.environment_credentials_uri}", (
            URLCredentialsProvider)


def _default_chain() -> ResolvedCredentials:
    """The first source of the chain that gives an AccessKey, or :class:`CollectionAborted`
    naming every source tried and what it lacked (one line, no library text or secret)."""
    tried = ["environment (ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET not set)"]
    for name, candidate in _sources():
        ecs = False
        try:
            provider = candidate()
            if isinstance(provider, str):
                tried.append(f"{name} ({provider})")
                continue
            ecs = isinstance(provider, EcsRamRoleCredentialsProvider)
            found = _within(ECS_PROBE_SECONDS if ecs else SOURCE_SECONDS, provider.get_credentials)
        except TimeoutError:
            tried.append(f"{name} (the metadata service at {ECS_METADATA_HOST} did not answer "
                         f"within {ECS_PROBE_SECONDS:g} s)" if ecs else
                         f"{name} (no answer within {SOURCE_SECONDS:g} s)")
            continue
        except Exception as exc:  # the library raises several unrelated types
            log.debug("credential source failed (%s): %s", name, _reason(exc))
            tried.append(f"{name} ({_reason(exc, ecs=ecs)})")
            continue
        if found is None or not (found.get_access_key_id() and found.get_access_key_secret()):
            tried.append(f"{name} (empty AccessKey)")
            continue
        return ResolvedCredentials(
            found.get_access_key_id(),
            found.get_access_key_secret(),
            found.get_security_token() or None,
            source=f"default chain: {name}",
            client=CredentialClient(provider=provider),
        )
    raise CollectionAborted(
        "no usable credentials (default chain): tried " + "; ".join(tried) + ". Set "
        "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or pass --profile"
    )


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``, or :class:`TimeoutError` after ``seconds`` (the call is left to finish on
    a daemon thread, which never keeps the process alive)."""
    outcome: list[Any] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=target, name="ram-audit-credentials", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"no answer within {seconds} s")
    if failure:
        raise failure[0]
    return outcome[0] if outcome else None


#: The library's messages about files, in our words (its own name a file with a stray '$').
_LIBRARY_WORDS = (
    (r"unable to get profile with (?:name )?'([^']*)'", "no profile '{}' in it"),
    (r"invalid profile name", "no current profile set in it"),
    (r"failed to parse credential form cli", "not a readable JSON file"),
    (r"unable to open credentials file", "cannot be read"),
    (r"failed to get credential from credentials file", "no [{section}] section in it"),
)

_HTTP_STATUS = re.compile(r"(?:http_?code|HttpCode)\W{0,2}(\d{3})", re.IGNORECASE)


def _reason(exc: BaseException, *, ecs: bool = False) -> str:
    """Why a source gave nothing, in a few words: never a response body, page or secret."""
    if isinstance(exc, OSError) and exc.filename:  # e.g. the OIDC token file
        return f"cannot read {exc.filename}: {exc.strerror or 'error'}"
    text = " ".join(str(exc).split())
    status = _HTTP_STATUS.search(text)
    if ecs:
        if status and status[1] == "404":
            return "no RAM role attached to this instance"
        if status:
            return f"the metadata service answered HTTP {status[1]}"
        if isinstance(exc, CredentialException) and "token" not in text.lower():
            return text[:120]
        return f"the metadata service at {ECS_METADATA_HOST} is not reachable"
    if status:
        return f"answered HTTP {status[1]}"
    if isinstance(exc, OSError) or re.search(r"Max retries|Connection|timed out", text):
        return "not reachable"
    if isinstance(exc, json.JSONDecodeError):
        return "did not answer JSON"
    for pattern, plain in _LIBRARY_WORDS:
        if found := re.search(pattern, text):
            return plain.format(*found.groups(), section=library_env.client_type)
    text = re.split(r",? *(?:result|response)\b", text)[0]  # bodies come after these words
    return text if len(text) <= 120 else text[:117] + "..."


def static_credentials(
    access_key_id: str, access_key_secret: str, security_token: str | None = None
) -> ResolvedCredentials:
    return ResolvedCredentials(access_key_id, access_key_secret, security_token)
