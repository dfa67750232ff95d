"""The five controllers of the sample world, one module each (see ``WORLD.md``)."""

from __future__ import annotations

from sample_data.worlds.base import BuildContext, ControllerWorld
from sample_data.worlds.foto import FotoWorld
from sample_data.worlds.gjovik import GjovikWorld
from sample_data.worlds.janteloppet import JanteloppetWorld
from sample_data.worlds.mediebank import MediebankWorld
from sample_data.worlds.sentrum import SentrumWorld

WORLDS: tuple[type[ControllerWorld], ...] = (
    SentrumWorld,
    FotoWorld,
    GjovikWorld,
    MediebankWorld,
    JanteloppetWorld,
)
CONTROLLER_IDS: tuple[str, ...] = tuple(w.controller_id for w in WORLDS)

__all__ = ["BuildContext", "CONTROLLER_IDS", "WORLDS", "ControllerWorld"]
