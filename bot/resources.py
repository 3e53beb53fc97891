"""Where the project's folders that are not Python code live: migrations/ and locales/.

In a checkout (and with `pip install -e .`) they sit beside the package. An installed package (`pip install .`,
the Docker image) has no folder beside it: BREAKBOT_HOME names the folder that holds them (/app in the image).
"""
from __future__ import annotations

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def project_folder(name: str) -> Path:
    """The folder `name` beside the package, else in BREAKBOT_HOME; where it should be (beside the package) when
    neither holds it, so that a missing folder is named in the error."""
    home = os.environ.get("BREAKBOT_HOME", "").strip()
    for root in (CHECKOUT, Path(home).resolve() if home else None):
        if root is not None and (root / name).is_dir():
            return root / name
    return CHECKOUT / name
