"""DSAR: answers access requests (GDPR Art. 15, "innsyn") for Norwegian controllers.

The package holds the domain: configuration, identities, the request store, deadlines,
encryption at rest, staging, the export package and the cover letter. Connectors live in
the top-level ``connectors`` package and the Prefect orchestration in ``flows``.
"""

__version__ = "0.1.0"
