"""Where the project's shared reference data (``../shared/``) lives.

CI runs from a fresh clone anywhere on the machine, so the folder is found from
``TREMPLIN_SHARED_DIR``, then beside the checkout, then at ``/work/shared``.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    candidates = [
        Path(os.environ["TREMPLIN_SHARED_DIR"])
        if os.environ.get("TREMPLIN_SHARED_DIR")
        else None,
        BASE_DIR.parent / "shared",
        Path("/work/shared"),
    ]
    for candidate in candidates:
        if candidate is not None and (candidate / "data").is_dir():
            return candidate
    # Tests that need the data then fail with a clear FileNotFoundError.
    return BASE_DIR.parent / "shared"


SCORM_SAMPLES = shared_dir() / "data" / "scorm"
