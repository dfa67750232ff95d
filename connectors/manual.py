"""Systems searched by staff: a paper archive, a system with no export, or one whose connector
is not configured yet.

A controller's register may not name a system the search skips, so such a system is declared
``connector = "manual"`` with ``instructions`` saying what staff do to search it. The flow
makes it a staff task (status ``waiting``): the request is not complete until staff either
attach what they found (``dsar manual attach``: the documents go into the package under
``attachments/<system>/``, with a row each in ``data/<system>/dokumenter``) or confirm that
nothing was found (``dsar manual none``). The manifest, ``index.html`` and the letter say that
staff searched it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

from pydantic import model_validator

from connectors.base import Condition, Connector
from dsar.config.models import Collection, LocalText, System
from dsar.errors import ConnectorError
from dsar.records import Lookup, RawRecord

DOCUMENTS = "dokumenter"
DOCUMENT_FIELDS = {
    "dokument": {"nb": "Dokumentet saksbehandleren fant (filen ligger under attachments/)", "en": "The document staff found (the file is under attachments/)"},
    "merknad": {"nb": "Saksbehandlerens merknad", "en": "Staff's note"},
    "lagt_til": {"nb": "Dato dokumentet ble lagt til svaret", "en": "Date the document was added to the answer"},
}


class ManualSystem(System):
    """``connector = "manual"``: searched by staff, following ``instructions``."""

    connector: Literal["manual"]
    instructions: LocalText

    searched_by_identity: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _documents(cls, data: Any) -> Any:
        """Staff's findings are documents: one collection, the same for every manual system."""
        if isinstance(data, dict) and not data.get("collections"):
            data = dict(data)
            data["collections"] = {
                DOCUMENTS: {
                    "id": DOCUMENTS,
                    "title": {"nb": "Dokumenter funnet av saksbehandler", "en": "Documents found by staff"},
                    "key": "nr",
                    "fields": {"nr": {"nb": "Løpenummer", "en": "Number"}, **DOCUMENT_FIELDS},
                    "files": {"fil": {"title": {"nb": "Dokumentet", "en": "The document"}}},
                }
            }
        return data


class ManualConnector(Connector):
    """Nothing to connect to: the search is a staff task (``dsar.manual``)."""

    kind = "manual"
    config = ManualSystem
    system: ManualSystem

    def check(self) -> tuple[bool, str | None]:
        return True, None

    def select(self, collection: Collection, conditions: Sequence[Condition]) -> Iterator[dict[str, Any]]:
        return iter(())

    def find(self, lookup: Lookup, tracker: Any = None) -> Iterator[RawRecord]:
        raise ConnectorError(self.system.id, "søkes manuelt av saksbehandler (dsar manual attach / dsar manual none)")

    manual: ClassVar[bool] = True
