import base64
from datetime import datetime, timezone

import pytest

from auditor.collector.credential_report import (
    CredentialReportError,
    decode_pages,
    parse_report,
)

HEADER = (
    "user,user_creation_time,user_last_logon,password_exist,password_active,"
    "password_last_changed,password_next_rotation,mfa_active,access_key_1_exist,"
    "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used,"
    "access_key_2_exist,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used,"
    "some_future_column"
)
ROOT = (
    "<root>,2020-01-01T00:00:00Z,2026-11-01T08:00:00Z,TRUE,TRUE,N/A,N/A,TRUE,"
    "TRUE,TRUE,2021-05-05T00:00:00Z,-,FALSE,N/A,N/A,N/A,x"
)
ALICE = (
    "alice@acme.onaliyun.com,2024-02-02T10:00:00Z,-,TRUE,FALSE,N/A,N/A,FALSE,"
    "TRUE,TRUE,2025-01-01T00:00:00Z,2026-11-27T09:30:00Z,"
    "TRUE,FALSE,2024-06-01T00:00:00Z,-,x"
)
BOB = "bob@acme.onaliyun.com,2024-03-03T00:00:00Z,-,FALSE,N/A,N/A,N/A,FALSE,FALSE,N/A,N/A,N/A"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_parses_root_and_user_rows_by_header_name() -> None:
    rows = parse_report(decode_pages([b64("\n".join([HEADER, ROOT, ALICE, BOB]))]))
    root, alice, bob = rows
    assert root.user == "<root>"
    assert root.last_logon == utc(2026, 11, 1, 8)
    assert len(root.keys) == 1 and root.keys[0].last_used is None
    assert alice.user_name == "alice"
    assert (alice.password_exist, alice.password_active, alice.mfa_active) == (True, False, False)
    assert alice.last_logon is None
    assert [(k.active, k.last_rotated, k.last_used) for k in alice.keys] == [
        (True, utc(2025, 1, 1), utc(2026, 11, 27, 9, 30)),
        (False, utc(2024, 6, 1), None),
    ]
    assert alice.complete and root.complete
    # Short row (fewer cells than the header): missing cells are unknown, never "no key".
    assert bob.password_exist is False and bob.console is False
    assert bob.keys is None and not bob.complete


def test_pages_are_joined_and_repeated_headers_dropped() -> None:
    pages = [b64(f"{HEADER}\n{ROOT}\n"), b64(f"{HEADER}\n{ALICE}\n"), b64(BOB)]
    assert [r.user_name for r in parse_report(decode_pages(pages))] == ["<root>", "alice", "bob"]


def test_rejects_content_without_user_column() -> None:
    with pytest.raises(CredentialReportError, match="no 'user' column"):
        parse_report(decode_pages([b64("a,b\n1,2")]))


def test_rejects_non_base64() -> None:
    with pytest.raises(CredentialReportError, match="not Base64"):
        decode_pages(["%%%not base64%%%"])


def test_extra_cells_crlf_bom_and_reordered_upper_case_columns() -> None:
    header = "MFA_Active,User,user_last_logon,password_exist,password_active,access_key_1_exist"
    text = "\ufeff" + "\r\n".join(
        [
            header,
            "TRUE,<root>,-,TRUE,TRUE,FALSE,extra,cells",
            "FALSE,bob@a.onaliyun.com,,FALSE,N/A,N/A",
        ]
    )
    root, bob = parse_report(decode_pages([b64(text)]))
    assert (root.user, root.mfa_active, root.keys) == ("<root>", True, ())
    assert root.last_logon is None and root.last_logon_known  # "-": never
    # An empty last-logon cell is unknown, not "never"; N/A in an _exist column is no key.
    assert (bob.last_logon_known, bob.keys, bob.complete) == (False, (), False)


def test_missing_columns_and_unreadable_values_are_unknown() -> None:
    text = "user,user_last_logon,password_exist\n<root>,yesterday,maybe"
    (root,) = parse_report(decode_pages([b64(text)]))
    assert (root.last_logon_known, root.password_exist, root.mfa_active, root.keys) == (
        False, None, None, None
    )


def test_quoted_header_repeated_on_a_later_page_is_dropped() -> None:
    quoted = ",".join(f'"{name}"' for name in HEADER.split(","))
    pages = [b64(f"{quoted}\n{ROOT}\n"), b64(f"{quoted}\n{ALICE}\n")]
    assert [r.user for r in parse_report(decode_pages(pages))] == [
        "<root>", "alice@acme.onaliyun.com"
    ]


def test_report_polls_grow_from_a_short_first_wait_within_the_deadline() -> None:
    from auditor.collector import CollectorSettings
    from auditor.collector.report_fetch import _Polls

    waits: list[float] = []
    settings = CollectorSettings(
        sleep=waits.append, credential_report_poll_s=0.1, credential_report_timeout_s=10.0
    )
    polls = _Polls(settings)
    while polls.wait():
        pass
    # A report ready after one short wait costs 0.1 s, not a fixed 2 s; then doubling,
    # capped at 2 s, and the last wait stops at the deadline.
    assert waits == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0, 0.9])
    assert sum(waits) == pytest.approx(10.0)
