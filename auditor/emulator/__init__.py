"""A local emulator of the Alibaba Cloud RAM, IMS and STS APIs, served over HTTP.

The official SDK talks to it unchanged (``Config(endpoint=emu.endpoint, protocol='http')``)::

    with Emulator(load_world("acme.yaml"), faults=Faults(throttle_rate=0.1)) as emu:
        ...
"""

from auditor.emulator.faults import Faults
from auditor.emulator.server import Emulator, serve
from auditor.emulator.world import World, WorldError, load_world, parse_world

__all__ = ["Emulator", "Faults", "World", "WorldError", "load_world", "parse_world", "serve"]
