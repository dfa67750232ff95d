"""Where the product's own files live: templates and migrations, beside the packages.

They are found from the checkout (the project is installed editable, see README), so this
is the one place that knows the repository's layout.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = REPO_ROOT / "templates"
MIGRATIONS = REPO_ROOT / "migrations"
