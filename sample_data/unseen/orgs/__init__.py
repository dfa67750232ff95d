"""The five organisations of the unseen world, one module each (all invented)."""

from __future__ import annotations

from sample_data.unseen.orgs.base import Organisation
from sample_data.unseen.orgs.clinic import Clinic
from sample_data.unseen.orgs.club import Club
from sample_data.unseen.orgs.crm import Crm
from sample_data.unseen.orgs.housing import Housing
from sample_data.unseen.orgs.shop import Shop

ORGANISATIONS: tuple[type[Organisation], ...] = (Club, Housing, Clinic, Shop, Crm)

__all__ = ["ORGANISATIONS", "Organisation"]
