"""A harder sample world: organisations the product has never seen, in realistic proportions.

Written without looking at how the product matches (``dsar.matching``, the comparison
functions of ``dsar.identity``, the search in ``connectors.base``): five invented Norwegian
organisations — a sports club, a housing cooperative, a physiotherapy clinic, a yarn web
shop and a membership association — configured the way a new user would from README and
``sample_data/config`` alone, their systems filled with the people of one town drawn at
SSB's household proportions, and the ground truth of whose record is whose.

    python -m sample_data.unseen --workspace DIR [--seed N] [--scale S]

or ``build_unseen(workspace, seed=, scale=)``. ``proportions`` says where every rate comes
from; ``orgs/base.py`` states whose a record is; ``README.md`` lists the shapes and cases.
"""

from __future__ import annotations

from sample_data.unseen.build import UnseenWorld, build_unseen

WORLD_VERSION = 2
"""Raised when what a world's files hold changes (2: people.csv's ``names_emails`` and
``names_phones``), so a cached world is built again."""

__all__ = ["WORLD_VERSION", "UnseenWorld", "build_unseen"]
