"""The report's escalation section: the paths of failing principals in the report model,
their layout, and the HTML page drawing them (inline SVG, no external asset) in Chromium."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.engine import Evaluation, evaluate
from auditor.registry import LoadedCheck
from auditor.render import render_report
from auditor.render.graph_layout import layout
from auditor.report import AuditReport
from auditor.snapshot import Group, Policy, PolicyAttachment, Role
from auditor.testing import ACCOUNT_ID, make_snapshot, make_user
from checks.principals import ExternalPrincipalNoAdminPath, PrincipalNoEscalationPath

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PARTNER = "5555444433332222"
#: A principal name that would run script if the page did not escape it.
EVIL = 'x"><script>window.__pwned=1</script>'


def _policy(name: str, statements: list[dict[str, Any]], *to: str, type: str = "Custom"
            ) -> Policy:
    return Policy(name=name, type=type, default_version="v1", document_text="{}",
                  document={"Version": "1", "Statement": statements},
                  attachments=tuple(PolicyAttachment(principal_type=n.partition("/")[0],
                                                     principal_name=n.partition("/")[2])
                                    for n in to))


def _role(name: str, principal: dict[str, Any]) -> Role:
    return Role(id=f"3{abs(hash(name)) % 10**15:015d}", name=name,
                arn=f"acs:ram::{ACCOUNT_ID}:role/{name}", trust_policy_text="{}",
                trust_policy={"Version": "1", "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}]})


def report() -> AuditReport:
    user_arn = f"acs:ram:*:{ACCOUNT_ID}:user/*"
    snapshot = make_snapshot(
        users=[make_user("boss", console=True), make_user("helper"), make_user(EVIL),
               make_user("dev")],
        groups=[Group(id="g-h", name="helpdesk", members=("helper", EVIL))],
        roles=[_role("partner", {"RAM": f"acs:ram::{PARTNER}:root"}),
               _role("bastion", {"Service": ["ecs.aliyuncs.com"]})],
        policies=[
            _policy("AdministratorAccess", [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                    "user/boss", "role/bastion", type="System"),
            _policy("reset", [{"Effect": "Allow", "Action": "ram:UpdateLoginProfile",
                               "Resource": user_arn}], "group/helpdesk"),
            _policy("launch", [{"Effect": "Allow", "Action": ["ram:PassRole", "ecs:RunInstances"],
                                "Resource": "*",
                                "Condition": {"Bool": {"acs:MFAPresent": "true"}}}],
                    "role/partner"),
        ],
    )
    checks = [LoadedCheck(c, "builtin", "checks")
              for c in (PrincipalNoEscalationPath, ExternalPrincipalNoAdminPath)]
    return evaluate(snapshot, Evaluation(checks=checks))


def test_the_report_carries_the_failing_principals_paths() -> None:
    esc = report().escalation
    assert esc is not None
    by_node = {p.node: p for p in esc.principals}
    assert set(by_node) == {"user/helper", f"user/{EVIL}", "role/partner",
                            f"account/{PARTNER}"}
    [helper] = by_node["user/helper"].paths
    assert [(h.source, h.primitive, h.target) for h in helper.hops] == [
        ("user/helper", "update-login-profile", "user/boss"), ("user/boss", "full-admin", "admin")]
    assert helper.hops[0].grants == ["reset (Custom, v1, group:helpdesk) statement 0 Allow"]
    [partner] = by_node[f"account/{PARTNER}"].paths
    assert partner.decision == "CONDITIONAL"  # the pass-role grant is MFA-conditioned
    assert {(e.source, e.target) for e in esc.edges} >= {
        ("user/helper", "user/boss"), (f"account/{PARTNER}", "role/partner"),
        ("role/partner", "role/bastion"), ("role/bastion", "admin")}


def test_no_section_without_failing_principals() -> None:
    snapshot = make_snapshot(users=[make_user("dev")])
    checks = [LoadedCheck(PrincipalNoEscalationPath, "builtin", "checks")]
    assert evaluate(snapshot, Evaluation(checks=checks)).escalation is None


def test_the_page_draws_a_bounded_share_of_many_failing_principals(tmp_path: Path) -> None:
    """Thousands of principals can fail at 10,000 users: the page draws HTML_PRINCIPALS of
    them with HTML_PATHS paths each, says how many it left out, and keeps every finding."""
    from auditor.render.view import HTML_PATHS, HTML_PRINCIPALS

    helpers = [f"helper{i:02d}" for i in range(HTML_PRINCIPALS + 5)]
    bosses = [f"boss{i}" for i in range(HTML_PATHS + 2)]  # one path per boss
    snapshot = make_snapshot(
        users=[*(make_user(b, console=True) for b in bosses), *(make_user(h) for h in helpers)],
        groups=[Group(id="g-h", name="helpdesk", members=tuple(helpers))],
        policies=[
            _policy("AdministratorAccess", [{"Effect": "Allow", "Action": "*",
                                             "Resource": "*"}],
                    *(f"user/{b}" for b in bosses), type="System"),
            _policy("reset", [{"Effect": "Allow", "Action": "ram:UpdateLoginProfile",
                               "Resource": f"acs:ram:*:{ACCOUNT_ID}:user/*"}],
                    "group/helpdesk"),
        ],
    )
    checks = [LoadedCheck(PrincipalNoEscalationPath, "builtin", "checks")]
    full = evaluate(snapshot, Evaluation(checks=checks))
    assert full.escalation is not None and len(full.escalation.principals) == len(helpers)
    (path,) = render_report(full, ["html"], tmp_path)
    html = path.read_text()
    assert html.count('class="card esc-principal"') == HTML_PRINCIPALS
    assert f"{HTML_PRINCIPALS} of {len(helpers)} principals" in html
    drawn = re.findall(r'<ol class="esc-paths">(.*?)</ol>', html, re.S)
    assert max(chunk.count('<li class="esc-path') for chunk in drawn) == HTML_PATHS
    assert html.count('id="r-') >= len(helpers)  # every finding is still in the table


def test_layout_puts_admin_rightmost_and_each_node_once() -> None:
    edges = [("account/1", "role/a", "assume-role"), ("role/a", "role/b", "pass-role-ecs"),
             ("role/b", "admin", "full-admin"), ("user/x", "admin", "edit-own-policy"),
             ("user/x", "role/a", "assume-role")]
    graph = layout(edges)
    boxes = {b.id: b for b in graph.boxes}
    assert len(graph.boxes) == 5 and len(graph.links) == 5
    assert boxes["admin"].x > boxes["role/b"].x > boxes["role/a"].x > boxes["account/1"].x
    assert all(b.x >= 0 and b.x + b.w <= graph.width and b.y + b.h <= graph.height
               for b in graph.boxes)
    # one caption per source, naming each of its forward primitives once
    captions = {link.source: link.caption for link in graph.links if link.caption}
    assert captions["user/x"] == "edit-own-policy"  # user/x -> role/a goes backwards
    assert [link.back for link in graph.links if link.source == "user/x"] == [False, True]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists() and not os.environ.get("RAM_AUDIT_REQUIRE_BROWSER"):
        pytest.skip("/usr/bin/chromium is not installed")  # CI requires it: fails instead
    from playwright.sync_api import sync_playwright

    (path,) = render_report(report(), ["html"], tmp_path_factory.mktemp("esc"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        pg.requests = []
        pg.errors = []
        pg.on("request", lambda r: pg.requests.append(r.url))
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.goto(path.as_uri())
        yield pg
        browser.close()


@pytest.mark.browser
def test_the_page_draws_the_subgraph_and_the_chains(page: Any) -> None:
    svg = page.locator("#escalation svg")
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 50
    nodes = page.locator("#escalation svg .esc-node").evaluate_all(
        "els => els.map(e => e.dataset.node)")
    assert {"admin", "user/boss", "role/bastion", f"account/{PARTNER}"} <= set(nodes)
    assert page.locator("#escalation svg .esc-edge").count() >= 5
    assert page.locator("#escalation svg .esc-edge.esc-conditional").count() >= 1
    # admin is drawn right of everything else
    xs = page.locator("#escalation svg .esc-node rect").evaluate_all(
        "els => els.map(e => [e.parentNode.dataset.node, e.getBBox().x])")
    admin_x = dict(xs)["admin"]
    assert all(x < admin_x for node, x in xs if node != "admin")
    chain = page.locator("#escalation .esc-chain").first.inner_text()
    assert re.search(r"→ .+ →", chain)
    text = page.locator("#escalation").inner_text()
    assert "user/helper → update-login-profile → user/boss → full-admin → admin" in text
    assert "reset (Custom, v1, group:helpdesk) statement 0 Allow" in text
    assert "conditional" in text
    # the toc links to it, and every request stayed in the file (no external asset)
    assert page.locator('nav.toc a[href="#escalation"]').count() == 1
    assert all(url.startswith(("file:", "data:")) for url in page.requests)


@pytest.mark.browser
def test_principal_names_are_escaped(page: Any) -> None:
    assert page.evaluate("window.__pwned") is None
    assert EVIL in page.locator("#escalation").inner_text()
    assert page.errors == []
