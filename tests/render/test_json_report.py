"""report.json written by orjson is byte for byte pydantic's ``model_dump_json(indent=2)``,
on the values where the two could differ; a model or value orjson would write otherwise
goes to pydantic."""

from __future__ import annotations

import typing
from datetime import date, datetime, timedelta, timezone
from types import GenericAlias
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer

from auditor.findings import Status
from auditor.render import json_report
from auditor.render.json_report import plain_model, render_json, render_json_parts
from auditor.report import (
    AppliedWaiver,
    AuditReport,
    BaselineInfo,
    EscalationHop,
    EscalationInfo,
    EscalationPath,
    EscalationPrincipal,
    HistoryFinding,
    HistoryInfo,
    Result,
    TrendPoint,
)

Kit = Any  # tests/render/conftest.py's ReportKit, as the ``kit`` fixture

ODD = "tab\t nl\n cr\r quote\" back\\ nul\x00 bell\x07 del\x7f é 中文 😀 \u2028\u2029\ufeff"
#: Offsets pydantic and orjson write differently (orjson: "+00:01" for 30 seconds).
WHENS = [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(seconds=30))),
]


def _pydantic(report: AuditReport) -> bytes:
    return (report.model_dump_json(indent=2) + "\n").encode()


def _edgy_report(kit: Kit, params: dict[str, Any]) -> AuditReport:
    results = [
        *kit.typical_results(),
        kit.make_result("user_console_mfa_bound", Status.FAIL, ODD, message=ODD,
                        waiver=kit.WAIVER),
        *(
            kit.make_result("access_key_rotated", Status.FAIL, f"k{i}").model_copy(
                update={"first_seen": when, "age_days": 3, "lifecycle": "reopened"})
            for i, when in enumerate(WHENS)
        ),
    ]
    report = kit.make_report(
        results,
        frameworks=[kit.cis_framework()],
        checks=[kit.check_info("access_key_rotated", params=params)],
        baseline=BaselineInfo(previous_collected_at=WHENS[1], resolved=results[:2]),
        collected_at=WHENS[2],
    )
    history = HistoryInfo(
        run_id=7, previous_collected_at=WHENS[3],
        resolved=[HistoryFinding(uid="u", check_id="c", title=ODD, severity="high",
                                 resource=results[0].resource, first_seen=WHENS[0])],
        trend=[TrendPoint(collected_at=w, complete=True, unwaived_failures_by_severity={"high": 1})
               for w in WHENS],
    )
    return report.model_copy(update={"history": history})


@pytest.mark.parametrize("params", [
    {"max_days": 90, "names": ["a", ODD], "on": True, "none": None},
    {"ratio": 0.1, "big": 1e16, "tiny": 5e-324, "neg": -0.0, "exp": 1.5e-7, "inf": float("inf")},
    {"nested": {"list": [1, [2, {"x": ()}]], "tuple": (1, "b")}, "enum": Status.FAIL},
    {"huge": 2**70},  # beyond orjson's 64 bits: pydantic writes it
    {"set": {"only"}},  # orjson has no sets: pydantic writes a list
    {"when": WHENS[3], "day": date(2027, 3, 31), "span": timedelta(hours=1, microseconds=5)},
], ids=["plain", "floats", "nested", "huge-int", "set", "temporal"])
def test_the_report_is_pydantics_bytes(kit: Kit, params: dict[str, Any]) -> None:
    report = _edgy_report(kit, params)
    assert render_json(report) == _pydantic(report)


def test_the_fast_path_is_taken_for_the_report(kit: Kit) -> None:
    """Not pydantic by default: orjson writes it, newline included."""
    assert plain_model(AuditReport) and plain_model(Result)
    report = _edgy_report(kit, {"max_days": 90})
    parts = render_json_parts(report)
    assert not isinstance(parts, tuple)  # pydantic's answer is a tuple
    assert b"".join(parts) == _pydantic(report)


def _escalation(count: int) -> EscalationInfo:
    hops = [EscalationHop(source=f"user/u{i}", target="admin", primitive="attach-policy",
                          decision="ALLOW" if i % 2 else "CONDITIONAL", grants=[ODD, f"g{i}"])
            for i in range(count)]
    return EscalationInfo(
        principals=[EscalationPrincipal(node=h.source, check_id="principal_no_escalation_path",
                                        result_uid=f"u{i}", paths_total=i,
                                        paths=[EscalationPath(decision=h.decision, hops=[h])])
                    for i, h in enumerate(hops)],
        edges=hops,
    )


def test_the_long_lists_are_the_reports() -> None:
    """Each long list is a list field of its item type, at that path of the report."""
    for path, item in json_report.LONG_LISTS.items():
        model: Any = AuditReport
        for name in path[:-1]:
            (model,) = (a for a in typing.get_args(model.model_fields[name].annotation)
                        if a is not type(None))
        assert model.model_fields[path[-1]].annotation == GenericAlias(list, (item,)), path


@pytest.mark.parametrize("size", [1, 2, 3, 1000])
def test_long_lists_are_encoded_a_slice_at_a_time(
    kit: Kit, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """The same bytes whatever the slice size, and no slice is encoded before its turn:
    the whole file never exists at once."""
    report = _edgy_report(kit, {"max_days": 90}).model_copy(update={"escalation": _escalation(4)})
    assert len(report.results) > 3
    encoded: list[tuple[tuple[str, ...], int]] = []
    encode = json_report._encoded_slice

    def counted(path: tuple[str, ...], items: list[Any]) -> memoryview:
        encoded.append((path, len(items)))
        return encode(path, items)

    monkeypatch.setattr(json_report, "SLICE", size)
    monkeypatch.setattr(json_report, "_encoded_slice", counted)
    parts = iter(render_json_parts(report))
    first = bytes(next(parts))
    assert first.endswith(b'\n  "results": [') and not encoded
    assert first + b"".join(parts) == _pydantic(report)
    for path, count in [(("results",), len(report.results)),
                        (("escalation", "principals"), 4), (("escalation", "edges"), 4)]:
        sizes = [n for p, n in encoded if p == path]
        assert sum(sizes) == count and max(sizes) == min(size, count), path


@pytest.mark.parametrize("escalation", [None, EscalationInfo(), "one"])
def test_short_or_absent_long_lists(kit: Kit, escalation: EscalationInfo | str | None) -> None:
    shown = _escalation(1) if escalation == "one" else escalation
    for results in ([], _edgy_report(kit, {"max_days": 90}).results[:1]):
        report = kit.make_report(results).model_copy(update={"escalation": shown})
        assert render_json(report) == _pydantic(report)


def test_pydantic_writes_what_orjson_cannot(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _edgy_report(kit, {"huge": 2**70})
    assert len(render_json_parts(report)) == 2  # type: ignore[arg-type]  # fell back
    monkeypatch.setattr(json_report, "plain_model", lambda cls: False)
    report = _edgy_report(kit, {"max_days": 90})
    assert render_json_parts(report) == (_pydantic(report)[:-1], b"\n")


def test_pydantic_writes_a_slice_orjson_cannot(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    """A result orjson cannot write sends its slice alone to pydantic."""
    report = _edgy_report(kit, {"max_days": 90})
    odd = report.results[2].model_copy(update={"age_days": 2**70})
    report = report.model_copy(update={"results": [*report.results[:2], odd,
                                                   *report.results[3:]]})
    by_pydantic: list[int] = []
    adapter = json_report._slice_adapter(("results",))

    class Counting:
        def dump_json(self, value: dict[str, list[Result]], indent: int) -> bytes:
            by_pydantic.append(len(value["results"]))
            assert all(isinstance(r, Result) for r in value["results"])  # not their fields
            return adapter.dump_json(value, indent=indent)

    monkeypatch.setattr(json_report, "SLICE", 2)
    monkeypatch.setattr(json_report, "_slice_adapter", lambda path: Counting())
    assert render_json(report) == _pydantic(report)
    assert by_pydantic == [2]  # results 2 and 3: the other slices went to orjson


def test_a_result_with_a_field_too_many_is_left_to_pydantic(kit: Kit) -> None:
    """An instance whose fields are not exactly its class's (an update naming no field)."""
    odd = kit.make_result("root_mfa_enabled", Status.PASS, "root").model_copy(
        update={"not_a_field": 1})
    report = kit.make_report([odd])
    assert render_json(report) == _pydantic(report)


class _Plain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    when: datetime | None = None
    waiver: AppliedWaiver | None = None
    tags: dict[str, list[str]] = Field(default_factory=dict)


class _Serialiser(_Plain):
    @field_serializer("name")
    def _upper(self, value: str) -> str:
        return value.upper()


class _Computed(_Plain):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def size(self) -> int:
        return len(self.name)


class _Alias(_Plain):
    label: str = Field("", serialization_alias="Label")


class _Excluded(_Plain):
    secret: str = Field("", exclude=True)


class _Floaty(_Plain):
    model_config = ConfigDict(ser_json_inf_nan="strings")
    ratio: float = 0.0


class _Holding(_Plain):
    inner: _Serialiser | None = None


def test_only_models_written_as_their_plain_fields_are_plain() -> None:
    assert plain_model(_Plain)
    for cls in (_Serialiser, _Computed, _Alias, _Excluded, _Floaty, _Holding):
        assert not plain_model(cls), cls
