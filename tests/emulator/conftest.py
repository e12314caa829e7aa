"""Fixtures: a running emulator serving the small test world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_support import NOW, make_world

from auditor.emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(make_world(), now=NOW) as emulator:
        yield emulator
