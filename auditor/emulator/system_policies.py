"""The system (Alibaba-managed) policies the emulator knows, with their documents.

A small, representative catalogue: what real accounts attach most, including the ones the
checks care about (full admin, RAM full access, read-only). Worlds may add more under
``system_policies``.
"""

from __future__ import annotations

from typing import Any


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def _allow(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


#: name -> (description, document)
SYSTEM_POLICIES: dict[str, tuple[str, dict[str, Any]]] = {
    "AdministratorAccess": ("Provides full access to Alibaba Cloud services and resources.",
                            _doc(_allow("*"))),
    "ReadOnlyAccess": ("Provides read-only access to Alibaba Cloud services and resources.",
                       _doc(_allow(["*:Describe*", "*:List*", "*:Get*", "*:BatchGet*",
                                    "*:Query*", "*:BatchQuery*"]))),
    "AliyunRAMFullAccess": ("Provides full access to Resource Access Management (RAM).",
                            _doc(_allow("ram:*"))),
    "AliyunRAMReadOnlyAccess": ("Provides read-only access to Resource Access Management.",
                                _doc(_allow(["ram:Get*", "ram:List*"]))),
    "AliyunSTSAssumeRoleAccess": ("Provides access to call AssumeRole of STS.",
                                  _doc(_allow("sts:AssumeRole"))),
    "AliyunECSFullAccess": ("Provides full access to Elastic Compute Service (ECS).",
                            _doc(_allow("ecs:*"))),
    "AliyunECSReadOnlyAccess": ("Provides read-only access to ECS.",
                                _doc(_allow("ecs:Describe*"))),
    "AliyunOSSFullAccess": ("Provides full access to Object Storage Service (OSS).",
                            _doc(_allow("oss:*"))),
    "AliyunOSSReadOnlyAccess": ("Provides read-only access to OSS.",
                                _doc(_allow(["oss:Get*", "oss:List*"]))),
    "AliyunVPCFullAccess": ("Provides full access to Virtual Private Cloud (VPC).",
                            _doc(_allow("vpc:*"))),
    "AliyunRDSFullAccess": ("Provides full access to ApsaraDB RDS.",
                            _doc(_allow("rds:*"))),
    "AliyunLogFullAccess": ("Provides full access to Simple Log Service.",
                            _doc(_allow("log:*"))),
    "AliyunActionTrailFullAccess": ("Provides full access to ActionTrail.",
                                    _doc(_allow("actiontrail:*"))),
    "AliyunCSFullAccess": ("Provides full access to Container Service for Kubernetes.",
                           _doc(_allow("cs:*"))),
    "AliyunBSSFullAccess": ("Provides full access to Billing Management.",
                            _doc(_allow("bss:*"))),
    "AliyunECSInstanceForYundunSystemRolePolicy": (
        "Policy of the service-linked role for Security Center on ECS.",
        _doc(_allow(["ecs:DescribeInstances", "ecs:DescribeInstanceAttribute"]))),
}
