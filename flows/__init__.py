"""Prefect orchestration: thin flows over the ``dsar`` domain (see ``flows.fulfil``)."""
