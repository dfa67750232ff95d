"""One person with gigabytes of attached files: the photo lab customer the demo asks for.

``python -m sample_data --workspace DIR --big-person-gb 2`` builds the world, then grows the
files of that person's photo-lab uploads (``stavanger-foto/fotolab``, ``photo_uploads``) until
they hold the size asked for. Each file stays a JPEG a viewer opens: the picture comes first,
then, after its end marker, filler that viewers ignore (like a camera's embedded data). The
filler is random, so nothing compresses it, and it is written in chunks, so building a 2 GB
person takes little memory. Used to measure the package of a person with a lot of data.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

CONTROLLER, SYSTEM, COLLECTION, FIELD = "stavanger-foto", "fotolab", "photo_uploads", "stored_path"
_CHUNK = 8 * 1024 * 1024


def grow_person_files(workspace: Path, total_mb: int) -> tuple[str, list[Path]]:
    """Grow the demo person's uploads to ``total_mb`` MiB together; (person id, files)."""
    from dsar.workspace import Workspace
    from sample_data.generate import choose_demo_subject

    if total_mb <= 0:
        raise ValueError("the size must be above 0 MB")
    ws = Workspace(Path(workspace))
    person_id = choose_demo_subject(ws.root, CONTROLLER)["person_id"]
    keys = set()
    with (ws.root / "sources" / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row["person_id"], row["controller"], row["system"], row["collection"]) == (
                person_id, CONTROLLER, SYSTEM, COLLECTION
            ):
                keys.add(int(row["key"]))
    spec = ws.config.controller(CONTROLLER).systems[SYSTEM].collections[COLLECTION].files[FIELD]
    root = ws.resolve_path(spec.root or "")
    # Stored as uploads/YYYY/MM/<order:07d>-<upload:08d>.jpg: the upload number ends the name.
    files = sorted(p for p in root.rglob("*.jpg") if int(p.stem.rsplit("-", 1)[-1]) in keys)
    if not files:
        raise ValueError(f"the {CONTROLLER} demo person has no photo-lab uploads in this world; try another seed")
    each = -(-total_mb * 1024 * 1024 // len(files))
    for path in files:
        missing = each - path.stat().st_size
        with path.open("ab") as out:
            while missing > 0:
                step = min(_CHUNK, missing)
                out.write(os.urandom(step))
                missing -= step
    return person_id, files
