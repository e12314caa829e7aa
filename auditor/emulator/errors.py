"""API errors as the Alibaba Cloud gateway returns them (code, HTTP status, message)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: JSON body ``{RequestId, HostId, Code, Message, Recommend}``."""

    def __init__(
        self,
        code: str,
        status: int,
        message: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        self.message = message
        self.extra = extra or {}
        self.headers = headers or {}


def missing(name: str) -> ApiError:
    """A mandatory parameter is absent (``Missing<Name>``, 400)."""
    return ApiError(
        f"Missing{name}",
        400,
        f'The input parameter "{name}" that is mandatory for processing this request '
        "is not supplied.",
    )


def invalid(name: str, detail: str) -> ApiError:
    """A parameter value is invalid (``InvalidParameter.<Name>``, 400)."""
    return ApiError(f"InvalidParameter.{name}", 400, f"The parameter {name} is invalid: {detail}")


def no_permission(extra: dict[str, Any] | None = None) -> ApiError:
    """``NoPermission`` (403); ``extra`` may carry an ``AccessDeniedDetail``."""
    return ApiError(
        "NoPermission",
        403,
        "You are not authorized to do this action. You should be authorized by RAM.",
        extra=extra,
    )


_ENTITY_MESSAGES = {
    "User": "The user does not exist.",
    "User.LoginProfile": "The user login profile does not exist.",
    "User.MFADevice": "The user has not bound any MFA device.",
    "User.AccessKey": "The access key does not exist.",
    "Group": "The group does not exist.",
    "Role": "The role does not exist.",
    "Policy": "The policy does not exist.",
    "PolicyVersion": "The policy version does not exist.",
    "SAMLProvider": "The SAML provider does not exist.",
    "OIDCProvider": "The OIDC provider does not exist.",
    "CredentialReport": "The credential report does not exist. Generate it first.",
}


def not_found(entity: str, name: str = "") -> ApiError:
    """``EntityNotExist.<entity>`` (404), e.g. ``not_found("User.LoginProfile", "alice")``."""
    message = _ENTITY_MESSAGES.get(entity, "The entity does not exist.")
    if name:
        message = f"{message} ({name})"
    return ApiError(f"EntityNotExist.{entity}", 404, message)
