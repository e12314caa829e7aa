"""report.json written by orjson is byte for byte pydantic's ``model_dump_json(indent=2)``,
on the values where the two could differ; a model or value orjson would write otherwise
goes to pydantic."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
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
    """Not pydantic by default: orjson writes it in one part, newline included."""
    assert plain_model(AuditReport) and plain_model(Result)
    report = _edgy_report(kit, {"max_days": 90})
    parts = render_json_parts(report)
    assert len(parts) == 1 and parts[0] == _pydantic(report)


def test_pydantic_writes_what_orjson_cannot(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _edgy_report(kit, {"huge": 2**70})
    assert len(render_json_parts(report)) == 2  # fell back
    monkeypatch.setattr(json_report, "plain_model", lambda cls: False)
    report = _edgy_report(kit, {"max_days": 90})
    assert render_json_parts(report) == (_pydantic(report)[:-1], b"\n")


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
