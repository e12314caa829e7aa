"""Each platform's message reaches a local fake webhook that checks its signature and shape;
failures come back as values, with no URL or secret in them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from fake_webhooks import (
    FakePlatform,
    Received,
    dingtalk_answer,
    errcode_ok,
    lark_answer,
    serving,
    text_ok,
)

from auditor.engine import summarise
from auditor.errors import UsageError
from auditor.findings import Resource, Severity, Status
from auditor.notify import Digest, Notice, SendSettings, digest, parse_target, send
from auditor.notify.signing import dingtalk_sign
from auditor.report import Account, AuditReport, Caller, Result, Tool, result_uid

FAST = SendSettings(timeout_s=5.0, attempts=3, backoff_s=0.0)
SECRET = "SEC0123456789abcdef-test-only"
EVIL = "<!channel> [click](http://evil.example) @all"


def _result(name: str, severity: Severity, check_id: str = "user_console_mfa_bound") -> Result:
    resource = Resource(type="user", id=f"id-{name}", name=name)
    return Result(uid=result_uid(check_id, "1234567890123456", resource), check_id=check_id,
                  title=f"Check {check_id}", severity=severity, status=Status.FAIL,
                  resource=resource, message=f"{name} fails", doc_url="https://docs.example/x")


def _digest(count: int = 3, report_url: str = "https://reports.example/acme") -> Digest:
    severities = [Severity.LOW, Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM]
    results = [_result(f"user{i}", severities[i % 4]) for i in range(count)]
    results.append(_result(EVIL, Severity.HIGH, "user_unused"))
    report = AuditReport(
        tool=Tool(version="0.1.0"),
        account=Account(id="1234567890123456", alias="acme",
                        caller=Caller(arn="acs:ram::1234567890123456:user/a",
                                      identity_type="RAMUser")),
        collected_at=datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc),
        results=results, summary=summarise(results),
    )
    notices = [Notice(r, "reopened" if r.resource.name == "user1" else "new") for r in results]
    return digest(report, notices, report_url)


def test_dingtalk_signed_markdown_is_accepted() -> None:
    with serving(FakePlatform(dingtalk_answer(SECRET)), "/robot/send") as fake:
        url = fake.url + "?access_token=tok-123"
        failure = send(parse_target(f"dingtalk:{url}"), _digest(),
                       settings=FAST, environ={"RAM_AUDIT_DINGTALK_SECRET": SECRET})
    assert failure is None
    (req,) = fake.received
    assert req.query["access_token"] == "tok-123"
    body = req.body
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "ram-audit: 4 new findings in acme (1234567890123456)"
    text = body["markdown"]["text"]
    assert "[CRITICAL] Check user\\_console\\_mfa\\_bound: user user1 (reopened)" in text
    assert text.index("CRITICAL") < text.index("HIGH") < text.index("LOW")
    assert "[Open the report](https://reports.example/acme)" in text
    assert "](http://evil" not in text and "<!channel>" not in text


def test_dingtalk_with_the_wrong_secret_is_refused_once_not_retried() -> None:
    with serving(FakePlatform(dingtalk_answer(SECRET))) as fake:
        failure = send(parse_target(f"dingtalk:{fake.url}?access_token=tok-123"), _digest(),
                       settings=FAST, environ={"RAM_AUDIT_DINGTALK_SECRET": "SECwrong"})
    assert failure is not None and failure.attempts == 1 and len(fake.received) == 1
    assert "310000" in failure.error and "sign not match" in failure.error
    assert "tok-123" not in str(failure) and "SECwrong" not in str(failure)
    assert failure.target == "dingtalk (127.0.0.1)"


def test_dingtalk_signature_matches_a_published_example() -> None:
    # the value a third-party DingTalk SDK documents for ("1700000000000", "secret")
    assert dingtalk_sign("secret", 1_700_000_000_000) == (
        "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY="
    )


def test_lark_signed_card_is_accepted() -> None:
    with serving(FakePlatform(lark_answer(SECRET)), "/open-apis/bot/v2/hook/abc") as fake:
        failure = send(parse_target(f"feishu:{fake.url}"), _digest(), settings=FAST,
                       environ={"RAM_AUDIT_LARK_SECRET": SECRET})
    assert failure is None
    (req,) = fake.received
    assert req.body["msg_type"] == "interactive"
    card = req.body["card"]
    assert card["header"]["title"] == {"tag": "plain_text",
                                       "content": "ram-audit: 4 new findings in acme "
                                                  "(1234567890123456)"}
    assert card["header"]["template"] == "red"
    div, action = card["elements"]
    assert div["tag"] == "div" and div["text"]["tag"] == "lark_md"
    assert "Unwaived FAILs: 1 critical, 2 high, 0 medium, 1 low" in div["text"]["content"]
    assert action["actions"][0]["url"] == "https://reports.example/acme"


def test_lark_with_a_wrong_secret_is_refused() -> None:
    with serving(FakePlatform(lark_answer(SECRET))) as fake:
        failure = send(parse_target(f"lark:{fake.url}"), _digest(), settings=FAST,
                       environ={"RAM_AUDIT_LARK_SECRET": "other"})
    assert failure is not None and "19021" in failure.error


def test_wecom_markdown_stays_within_its_limit() -> None:
    with serving(FakePlatform(errcode_ok), "/cgi-bin/webhook/send") as fake:
        failure = send(parse_target(f"wecom:{fake.url}?key=k-1"), _digest(count=40),
                       settings=FAST, environ={})
    assert failure is None
    (req,) = fake.received
    assert req.query == {"key": "k-1"}
    assert req.body["msgtype"] == "markdown"
    content = req.body["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert content.count("\n- [") == 10 and "... and 31 more" in content


def test_slack_blocks_escape_mentions_and_links() -> None:
    with serving(FakePlatform(text_ok), "/services/T0/B0/xyz") as fake:
        assert send(parse_target(f"slack:{fake.url}"), _digest(), settings=FAST,
                    environ={}) is None
    (req,) = fake.received
    types = [b["type"] for b in req.body["blocks"]]
    assert types == ["header", "section", "section", "actions"]
    assert req.body["text"].startswith("ram-audit: 4 new findings")
    listing = req.body["blocks"][2]["text"]
    assert listing["type"] == "mrkdwn"
    assert "&lt;!channel&gt;" in listing["text"] and "<!channel>" not in listing["text"]


def test_generic_webhook_gets_every_notified_finding_as_json() -> None:
    with serving(FakePlatform(text_ok)) as fake:
        assert send(parse_target(fake.url), _digest(count=15), settings=FAST,
                    environ={}) is None
    (req,) = fake.received
    body = req.body
    assert body["schema"] == "ram-audit.notification/1"
    assert body["account"] == {"id": "1234567890123456", "alias": "acme"}
    assert body["findings_total"] == len(body["findings"]) == 16
    assert body["findings"][0]["severity"] == "critical"
    assert req.headers["Content-Type"].startswith("application/json")


def test_a_server_error_is_retried_then_delivered() -> None:
    answers = iter([(503, b"busy"), (200, b"ok")])
    with serving(FakePlatform(lambda _req: next(answers))) as fake:
        assert send(parse_target(f"webhook:{fake.url}"), _digest(), settings=FAST,
                    environ={}) is None
    assert len(fake.received) == 2


def test_a_webhook_that_times_out_fails_after_its_attempts() -> None:
    settings = SendSettings(timeout_s=0.2, attempts=2, backoff_s=0.0)
    with serving(FakePlatform(text_ok, delay_s=1.0)) as fake:
        failure = send(parse_target(f"slack:{fake.url}"), _digest(), settings=settings,
                       environ={})
        assert failure is not None
        assert failure.error == "timed out after 0.2 s (after 2 attempts)"
        assert failure.attempts == 2 and len(fake.received) == 2


def test_an_unreachable_webhook_is_a_failure_not_an_exception() -> None:
    with serving(FakePlatform(text_ok)) as fake:
        url = fake.url
    failure = send(parse_target(url), _digest(), settings=SendSettings(0.5, 2, 0.0), environ={})
    assert failure is not None and failure.error.startswith("connection failed")


def _bad_request(_req: Received) -> tuple[int, bytes]:
    return 400, b"invalid_payload"


def test_a_client_error_is_not_retried() -> None:
    with serving(FakePlatform(_bad_request)) as fake:
        failure = send(parse_target(f"slack:{fake.url}"), _digest(), settings=FAST, environ={})
    assert failure is not None and failure.error == "HTTP 400" and len(fake.received) == 1


@pytest.mark.parametrize(
    ("text", "platform"),
    [("dingtalk:https://oapi.dingtalk.com/robot/send?access_token=TOKEN9", "dingtalk"),
     ("feishu:https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN9", "lark"),
     ("LARK:https://open.larksuite.com/open-apis/bot/v2/hook/TOKEN9", "lark"),
     ("wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=TOKEN9", "wecom"),
     ("slack:https://hooks.slack.com/services/T/B/TOKEN9", "slack"),
     ("https://siem.example/ingest/TOKEN9", "webhook")],
)
def test_targets_are_shown_without_their_token(text: str, platform: str) -> None:
    target = parse_target(text)
    assert target.platform == platform
    assert "TOKEN9" in target.url
    assert "TOKEN9" not in str(target) and "TOKEN9" not in repr(target)
    assert str(target).startswith(f"{platform} (")


@pytest.mark.parametrize("text", ["teams:https://x.example", "dingtalk:ftp://x", "slack:",
                                  "oapi.dingtalk.com/robot"])
def test_bad_targets_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--notify"):
        parse_target(text)


def test_no_notice_means_a_summary_message() -> None:
    d = _digest()
    quiet = Digest(**{**d.__dict__, "notices": []})
    assert quiet.title == "ram-audit: audit summary in acme (1234567890123456)"
    assert json.dumps(quiet.listed) == "[]"
