"""The docs generator (docs/generate.py), loaded for the tests that read the docs.

It lives beside the docs it writes, not in a package, so it is loaded from its path.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lrviz_docs_generate", ROOT / "docs" / "generate.py")
assert _spec is not None and _spec.loader is not None
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

DOCS = generate.doc_files(ROOT)
GUIDE = ROOT / "docs" / "guide.md"
