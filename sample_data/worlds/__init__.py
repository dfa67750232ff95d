"""The five controllers of the sample world, one module each.

Each is drawn from one of five real Norwegian privacy statements (kept outside this
repository); a module's docstring names its statement as "seed 000" … "seed 004".
"""

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

__all__ = ["BuildContext", "WORLDS", "ControllerWorld"]
