"""Importing the local AWS is cheap: moto and werkzeug load only when a server is built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, dynamic_dynamodb.localaws, dynamic_dynamodb.localaws.control; "
    "print(sorted({m.split('.')[0] for m in sys.modules} & {'moto', 'werkzeug', 'flask'}))"
)


def test_importing_localaws_imports_neither_moto_nor_werkzeug() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True,
        cwd=ROOT,
    )

    assert result.stdout.strip() == "[]"
