"""Names, compression and value formats of the package's members.

One place for what a reader of the package (a person, or a program the person feeds it to)
depends on: where files are, which format version they follow, and how a value becomes a
CSV cell. Changing any of it changes ``FORMAT_VERSION``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from typing import Any

import pyzipper

FORMAT_VERSION = "1.1"
"""Version of the package layout, ``manifest.json`` and the data files' JSON shape. 1.1 added
attached files (``attachments/``, ``_files`` in records, counts in the manifest) and who
searched each system (``searched_by``)."""

MANIFEST = "manifest.json"
INDEX = "index.html"
SOURCE_FIELD = "_source"
FILES_FIELD = "_files"
"""A record's attached files: their paths in the package (or that one is missing)."""
CSV_SOURCE_COLUMNS = ("_source_system", "_source_collection", "_source_key")
RESERVED_COLUMNS = frozenset({SOURCE_FIELD, FILES_FIELD, *CSV_SOURCE_COLUMNS})

README_NAME = {"nb": "LES-MEG.txt", "en": "README.txt"}
LETTER_STEM = {"nb": "svarbrev", "en": "cover-letter"}

# Formats whose bytes are already compressed (or, for WAV, barely compress): deflating them
# costs ~5x the time for a gain of a few per cent, so they are stored as they are.
# PDF is stored too: its streams are Flate-compressed already. WAV is plain PCM, which
# deflate shrinks by some 5-15 %, not worth writing at a fifth of the speed.
_STORED_SUFFIXES = frozenset(
    {
        # images
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif",
        # audio
        ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wav",
        # video
        ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi",
        # archives and compressed documents
        ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar",
        ".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub",
    }
)  # fmt: skip


def compress_type_for(name: str) -> int:
    """``pyzipper.ZIP_STORED`` for already-compressed media and archives, else DEFLATED."""
    if PurePosixPath(name).suffix.lower() in _STORED_SUFFIXES:
        return pyzipper.ZIP_STORED
    return pyzipper.ZIP_DEFLATED


def data_path(system: str, collection: str, extension: str) -> str:
    """``data/<system>/<collection>.<extension>``; ids are config slugs, safe as names."""
    return f"data/{system}/{collection}.{extension}"


def attachments_dir(system: str) -> str:
    return f"attachments/{system}/"


def attachment_path(system: str, collection: str, key: str, name: str) -> str:
    """``attachments/<system>/<collection>/<key>/<name>`` with the key and name made safe as
    file names on every system a person may unpack on; a key that had to change gets a short
    digest of itself, so two records never share a folder."""
    folder = _safe_name(key)
    if folder != key:
        folder += "-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    path = PurePosixPath(name)
    suffix = re.sub(r"[^A-Za-z0-9.]", "", path.suffix)[:12]
    return f"attachments/{system}/{collection}/{folder}/{_safe_name(path.stem)[:60]}{suffix}"


def _safe_name(text: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "fil")[:80]


def letter_names(language: str) -> tuple[str, str]:
    """The cover letter's (PDF, HTML) member names in the answer's language."""
    stem = LETTER_STEM[language]
    return f"{stem}.pdf", f"{stem}.html"


def readme_name(language: str) -> str:
    return README_NAME[language]


# A cell a spreadsheet would read as a formula (``=HYPERLINK(…)``, ``=cmd|…``, ``+``, ``-``,
# ``@``) or that begins with a tab or CR (which some spreadsheets skip to reach a formula).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: text as it is, ``None`` empty, lists and objects as JSON.

    Booleans and numbers are written as JSON writes them (``true``, ``12.5``), so the CSV
    and the JSON of a collection agree. Text that a spreadsheet would run as a formula gets
    one leading apostrophe, as OWASP recommends against CSV injection (the person opens this
    file in Excel); the JSON keeps the value exactly, and the README says so.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    return json.dumps(value, ensure_ascii=False)


def csv_text(text: str) -> str:
    """Text for a CSV cell, neutralised when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
