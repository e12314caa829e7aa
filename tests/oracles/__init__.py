"""Test oracles: what the tests expect of the product, kept out of the product itself."""

from __future__ import annotations

from pathlib import Path

#: The expected audit outcome of the bundled demo world (``auditor/emulator/worlds/demo.yaml``).
DEMO_EXPECTED = Path(__file__).with_name("demo.expected.yaml")
