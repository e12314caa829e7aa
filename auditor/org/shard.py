"""``--shard I/N`` and ``--shard auto/N``: which members one run audits.

Shard ``I`` of ``N`` (``0 <= I < N``) audits the members whose position in the id-sorted
accounts file is congruent to ``I`` modulo ``N``; ``auto/N`` reads ``I`` from
``JOB_COMPLETION_INDEX``, set by a Kubernetes Indexed Job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from auditor.errors import UsageError

T = TypeVar("T")
_SHARD = re.compile(r"^(?P<index>\d+|auto)/(?P<count>\d+)$")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, items: Sequence[T]) -> list[T]:
        """The items at positions ``index``, ``index + count``, ... (``items`` sorted)."""
        return list(items[self.index::self.count])


WHOLE = Shard(0, 1)


def parse_shard(text: str, environ: Mapping[str, str]) -> Shard:
    match = _SHARD.match(text.strip())
    if match is None:
        raise UsageError(f"--shard {text!r}: expected I/N or auto/N, e.g. 0/4")
    count = int(match["count"])
    if count < 1:
        raise UsageError(f"--shard {text!r}: N must be at least 1")
    if match["index"] == "auto":
        raw = environ.get("JOB_COMPLETION_INDEX", "").strip()
        if not raw.isdigit():
            raise UsageError(f"--shard {text}: JOB_COMPLETION_INDEX is not set to a number "
                             "(auto/N runs as a Kubernetes Indexed Job)")
        index = int(raw)
    else:
        index = int(match["index"])
    if index >= count:
        raise UsageError(f"--shard {text!r}: the index must be below {count} (0 to {count - 1})")
    return Shard(index, count)
