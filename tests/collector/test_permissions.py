from auditor.permissions import least_privilege_policy
from auditor.sections import Section


def test_policy_for_password_policy_only() -> None:
    assert least_privilege_policy([Section.PASSWORD_POLICY]) == {
        "Version": "1",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["ram:GetAccountAlias", "ram:GetPasswordPolicy", "sts:GetCallerIdentity"],
            "Resource": "*",
        }],
    }


def test_full_policy_is_sorted_read_only_and_covers_ims_under_ram_prefix() -> None:
    (statement,) = least_privilege_policy()["Statement"]
    actions = statement["Action"]
    assert actions == sorted(actions)
    assert "ram:GetCredentialReport" in actions and "ram:ListAccessKeys" in actions
    assert all(a.split(":")[1].startswith(("Get", "List", "Generate")) for a in actions)
    assert not any(a.startswith("ims:") for a in actions)
