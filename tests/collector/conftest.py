"""Collector test fixtures: no proxies, no ECS metadata, a closed port, small worlds."""

import os
import socket
from collections.abc import Iterator

import pytest

from auditor.emulator import Emulator
from auditor.emulator.generate import generate_world

for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_name, None)
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def small_world():  # type: ignore[no-untyped-def]
    return generate_world(60, seed=7)


@pytest.fixture
def small_emulator(small_world) -> Iterator[Emulator]:  # type: ignore[no-untyped-def]
    with Emulator(small_world) as emu:
        yield emu
