"""The fast paths of ``evaluate`` (unvalidated results, bytes straight from pydantic's
serialiser, one-pass snapshot loading, no cyclic GC) change nothing in the report.

The demo world is collected once through the SDK and evaluated with every check.
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from pathlib import Path

import pytest

from auditor._gc import no_cyclic_gc
from auditor.collector import collect_snapshot
from auditor.demo import auditor_credentials, demo_world, emulator_settings
from auditor.emulator import Emulator
from auditor.pipeline import Options, finish, prepare
from auditor.render.atomic import write_atomic
from auditor.render.json_report import render_json
from auditor.report import AuditReport, Result
from auditor.snapshot import AccountSnapshot
from auditor.snapshot_file import load_snapshot, save_snapshot


@pytest.fixture(scope="module")
def snapshot_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = demo_world()
    plan = prepare(Options(formats=("json",)))
    with Emulator(world) as emulator:
        settings = emulator_settings(emulator, credential_report_poll_s=0, sleep=lambda _: None)
        snapshot = collect_snapshot(settings, plan.sections, credentials=auditor_credentials(world))
    path = tmp_path_factory.mktemp("snapshot") / "snapshot.json"
    save_snapshot(snapshot, path)
    return path


@pytest.fixture(scope="module")
def written(snapshot_path: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[AuditReport, bytes]:
    out = tmp_path_factory.mktemp("report")
    plan = prepare(Options(formats=("json",), output_dir=out))
    report, paths, _ = finish(plan, load_snapshot(snapshot_path))
    assert paths == [out / "report.json"]
    return report, paths[0].read_bytes()


def test_a_saved_snapshot_is_the_models_own_serialisation(snapshot_path: Path) -> None:
    snapshot = load_snapshot(snapshot_path)
    assert snapshot_path.read_bytes() == (snapshot.model_dump_json(indent=2) + "\n").encode()


def test_loading_in_one_pass_reads_what_json_then_validation_reads(snapshot_path: Path) -> None:
    slow = AccountSnapshot.model_validate(json.loads(snapshot_path.read_text(encoding="utf-8")))
    fast = load_snapshot(snapshot_path)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()


def test_report_json_is_the_models_own_serialisation(written: tuple[AuditReport, bytes]) -> None:
    report, data = written
    assert data == (report.model_dump_json(indent=2) + "\n").encode()
    assert render_json(report) == data
    assert AuditReport.model_validate_json(data) == report


def test_every_result_is_what_validation_builds(written: tuple[AuditReport, bytes]) -> None:
    report, _ = written
    assert len(report.results) > 400
    for result in report.results:
        validated = Result(**{name: getattr(result, name) for name in result.model_fields_set})
        assert validated == result
        assert repr(validated) == repr(result)
        assert validated.model_fields_set == result.model_fields_set
        assert Result.model_validate_json(result.model_dump_json()) == result


def test_the_summary_counts_every_result(written: tuple[AuditReport, bytes]) -> None:
    report, _ = written
    statuses = Counter(r.status.value for r in report.results)
    assert report.summary.by_status == {s: statuses[s] for s in report.summary.by_status}
    assert sum(report.summary.by_status.values()) == len(report.results)
    fails = Counter(r.severity.value for r in report.results if r.status.value == "FAIL")
    assert report.summary.by_severity == {s: fails[s] for s in report.summary.by_severity}
    assert sum(fails.values()) > 0


def test_garbage_collection_resumes_after_the_run(written: tuple[AuditReport, bytes]) -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), no_cyclic_gc():
        assert not gc.isenabled()
        raise RuntimeError("a check or renderer failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_a_file_in_parts_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_atomic(target, (b'{"a": 1}', b"", b"\n"))
    assert target.read_bytes() == b'{"a": 1}\n'
    write_atomic(target, b"[]\n")
    assert target.read_bytes() == b"[]\n"


class _Node:
    """Can be weakly referenced and put in a cycle."""

    other: object = None


def test_what_a_pause_allocated_is_old_and_still_collectable() -> None:
    import weakref

    with no_cyclic_gc():
        kept = [[i] for i in range(20_000)]
        node = _Node()
        node.other = node  # a cycle: only the cyclic collector frees it
        gone = weakref.ref(node)
        del node
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(kept[-1]) in oldest  # not young, to be scanned again by young collections
    gc.collect()
    assert gone() is None  # in the oldest generation, not frozen for good
    assert len(kept) == 20_000


def test_a_process_that_froze_objects_keeps_them_frozen() -> None:
    gc.freeze()  # as the ram-audit command does with its modules
    try:
        frozen = gc.get_freeze_count()
        with no_cyclic_gc():
            kept = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()
