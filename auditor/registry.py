"""Discover check packs through the ``ram_audit.checks`` entry-point group, and select checks.

Each entry point names a module or package (a *pack*); every concrete :class:`Check`
subclass defined in it or its submodules is a check. The built-in ``checks`` package is
registered the same way as any third-party pack. There is no global registry: build one
with :meth:`CheckRegistry.discover` or :meth:`CheckRegistry.from_modules`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from pydantic import ValidationError

from auditor.check import Check, CheckDefinitionError
from auditor.compliance import Framework, framework_mappings, load_frameworks
from auditor.errors import PackLoadError, UsageError, first_problem
from auditor.findings import Severity

ENTRY_POINT_GROUP = "ram_audit.checks"


@dataclass(frozen=True)
class LoadedCheck:
    """A check class, the pack that provided it, and the framework controls it implements
    (from the framework files, merged with the check's own ``meta.compliance``)."""

    check: type[Check]
    pack: str
    distribution: str
    compliance: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.compliance:  # built outside a registry: the check's own mapping
            object.__setattr__(self, "compliance", dict(self.check.meta.compliance))

    @property
    def id(self) -> str:
        return self.check.meta.id


def _pack_modules(module: ModuleType) -> Iterable[ModuleType]:
    yield module
    if hasattr(module, "__path__"):
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}."):
            yield importlib.import_module(info.name)


def _checks_in(module: ModuleType) -> list[type[Check]]:
    found = []
    for mod in _pack_modules(module):
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, Check) and obj.__module__ == mod.__name__ and "meta" in vars(obj):
                found.append(obj)
    return found


class CheckRegistry:
    """All loaded checks, by id."""

    def __init__(
        self, checks: Iterable[LoadedCheck], frameworks: Mapping[str, Framework] | None = None
    ) -> None:
        """``frameworks`` (default: the packaged ones) map controls to check ids."""
        mappings = framework_mappings(load_frameworks() if frameworks is None else frameworks)
        self._by_id: dict[str, LoadedCheck] = {}
        for loaded in checks:
            loaded = replace(loaded, compliance=_merged(loaded, mappings.get(loaded.id, {})))
            other = self._by_id.get(loaded.id)
            if other is not None:
                raise PackLoadError(
                    f"duplicate check id {loaded.id!r}: provided by pack {other.pack!r} "
                    f"({other.distribution}) and pack {loaded.pack!r} ({loaded.distribution})"
                )
            self._by_id[loaded.id] = loaded

    @classmethod
    def discover(cls) -> CheckRegistry:
        """Load every pack registered under the ``ram_audit.checks`` entry-point group."""
        eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
        return cls(check for ep in eps for check in _load_entry_point(ep))

    @classmethod
    def from_modules(cls, packs: dict[str, ModuleType]) -> CheckRegistry:
        """Build a registry from already imported pack modules (tests, embedding)."""
        return cls(
            LoadedCheck(check, pack, "(local)")
            for pack, module in packs.items()
            for check in _checks_in(module)
        )

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._by_id

    def get(self, check_id: str) -> LoadedCheck:
        try:
            return self._by_id[check_id]
        except KeyError:
            raise UsageError(f"unknown check id {check_id!r}") from None

    def all(self) -> list[LoadedCheck]:
        """Every loaded check, sorted by id."""
        return [self._by_id[k] for k in sorted(self._by_id)]

    def select(
        self,
        *,
        ids: Sequence[str] = (),
        exclude: Sequence[str] = (),
        tags: Sequence[str] = (),
        min_severity: Severity | None = None,
        framework: str | None = None,
    ) -> list[LoadedCheck]:
        """The checks to run.

        Without ``ids`` every check enabled by default; with ``ids`` exactly those (which is
        how off-by-default checks are turned on). Then ``exclude``, ``tags`` (any of),
        ``min_severity`` and ``framework`` (mapped to that framework) narrow the set.
        Unknown ids are a :class:`UsageError`.
        """
        for check_id in (*ids, *exclude):
            self.get(check_id)
        chosen = [self._by_id[i] for i in sorted(set(ids))] if ids else [
            c for c in self.all() if c.check.meta.enabled_by_default
        ]
        excluded = set(exclude)
        chosen = [c for c in chosen if c.id not in excluded]
        if tags:
            chosen = [c for c in chosen if set(tags) & set(c.check.meta.tags)]
        if min_severity is not None:
            chosen = [c for c in chosen if c.check.meta.severity.at_least(min_severity)]
        if framework is not None:
            chosen = [c for c in chosen if framework in c.compliance]
        return chosen


def _merged(
    loaded: LoadedCheck, from_frameworks: Mapping[str, list[str]]
) -> dict[str, tuple[str, ...]]:
    out = {fw: tuple(ids) for fw, ids in from_frameworks.items()}
    for fw, ids in loaded.check.meta.compliance.items():
        out[fw] = tuple(dict.fromkeys((*out.get(fw, ()), *ids)))
    return dict(sorted(out.items()))


def _load_entry_point(ep: EntryPoint) -> list[LoadedCheck]:
    dist = ep.dist.name if ep.dist is not None else "(unknown distribution)"
    where = f"check pack {ep.name!r} from {dist}"
    try:
        module = ep.load()
        if not isinstance(module, ModuleType):
            raise PackLoadError(f"{where} must name a module, not {module!r}")
        checks = _checks_in(module)
    except PackLoadError:
        raise
    except CheckDefinitionError as exc:
        raise PackLoadError(f"{where}: {exc}") from exc
    except ValidationError as exc:  # e.g. meta = CheckMeta(...) with a bad field
        raise PackLoadError(f"{where} failed to import: invalid {exc.title} "
                            f"{first_problem(exc.errors())}") from exc
    except Exception as exc:  # any import failure of third-party code
        raise PackLoadError(f"{where} failed to import: {type(exc).__name__}: {exc}") from exc
    return [LoadedCheck(check, ep.name, dist) for check in checks]
