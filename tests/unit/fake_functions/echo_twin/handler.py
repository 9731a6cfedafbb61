"""The echo handler's code in a second function, with its own module state."""

import runpy
from pathlib import Path

handler = runpy.run_path(str(Path(__file__).parent.parent / "echo" / "handler.py"))["handler"]
