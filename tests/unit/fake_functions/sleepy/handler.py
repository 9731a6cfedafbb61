"""The echo handler's code in a function the tests give a short timeout."""

import runpy
from pathlib import Path

handler = runpy.run_path(str(Path(__file__).parent.parent / "echo" / "handler.py"))["handler"]
