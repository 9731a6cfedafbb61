"""The shared layer's size: built into a temporary folder exactly as `cdk deploy` bundles it.

    PYTHONPATH=layers/common/python:. .venv/bin/python bench/layer_size.py

Runs infra/layer.py's build (pip's wheels for the runtime, less what the runtime provides, the gateway
package, bytecode by the runtime's Python where one is here), then prints the unzipped size against the
15 MB target, the zipped size (what Lambda's 50 MB direct-upload and 250 MB unzipped limits count),
and the largest packages. Needs the package index (pip downloads the wheels, or takes them from its cache).
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.layer import RUNTIME_PROVIDED, SITE_DIR, build_site, runtime_interpreter  # noqa: E402
from infra.routes import LAYER_DIR  # noqa: E402

TARGET_MB = 15.0
# The design card's runtime packages: their size with their dependencies, without bytecode, is the floor
# no build of this layer can go under.
CARD_PACKAGES = ("aws-lambda-powertools", "pydantic", "requests", "cryptography")
MB = 1_000_000
LARGEST = 8


class LayerSize(TypedDict):
    unzipped_mb: float
    zipped_mb: float
    target_unzipped_mb: float
    within_target: bool
    bytecode: bool  # compiled by a Python of the runtime's version
    bytecode_mb: float  # the .pyc files' share of unzipped_mb
    runtime_provided_bundled: list[str]  # should be empty
    card_packages_mb: float  # CARD_PACKAGES and their dependencies as installed, without bytecode
    largest_mb: dict[str, float]  # top-level folder (package) -> unzipped MB


def _top_level(site: Path, path: Path) -> str:
    name = path.relative_to(site).parts[0]
    # A package's metadata counts with the package.
    return name.split("-")[0].lower() if name.endswith(".dist-info") else name.lower()


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def card_packages_bytes(site: Path) -> int:
    """The files (as their RECORDs list them: no bytecode) of CARD_PACKAGES and every distribution they
    require, extras aside, as installed in the built site."""
    distributions = importlib.metadata.distributions(path=[str(site)])
    installed = {_normalized(dist.metadata["Name"]): dist for dist in distributions}
    wanted = [_normalized(name) for name in CARD_PACKAGES]
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in seen or name not in installed:
            continue
        seen.add(name)
        for requirement in installed[name].requires or []:
            if "extra ==" not in requirement:
                wanted.append(_normalized(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0]))
    return sum(
        (site / file).stat().st_size
        for name in seen
        for file in installed[name].files or []
        if (site / file).is_file()
    )


def measure() -> LayerSize:
    with tempfile.TemporaryDirectory(prefix="layer-size-") as build:
        site = Path(build) / SITE_DIR
        build_site(LAYER_DIR, site)
        files = [path for path in site.rglob("*") if path.is_file()]
        by_package: Counter[str] = Counter()
        for path in files:
            by_package[_top_level(site, path)] += path.stat().st_size
        archive = Path(build) / "layer.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in files:
                bundle.write(path, path.relative_to(Path(build)))
        unzipped = sum(by_package.values())
        bytecode = sum(path.stat().st_size for path in files if path.suffix == ".pyc")
        bundled = sorted(name for name in RUNTIME_PROVIDED if name in by_package)
        return {
            "unzipped_mb": round(unzipped / MB, 1),
            "zipped_mb": round(archive.stat().st_size / MB, 1),
            "target_unzipped_mb": TARGET_MB,
            "within_target": unzipped / MB <= TARGET_MB,
            "bytecode": runtime_interpreter() is not None,
            "bytecode_mb": round(bytecode / MB, 1),
            "runtime_provided_bundled": bundled,
            "card_packages_mb": round(card_packages_bytes(site) / MB, 1),
            "largest_mb": {name: round(size / MB, 1) for name, size in by_package.most_common(LARGEST)},
        }


def print_report(size: LayerSize) -> None:
    verdict = "within" if size["within_target"] else "OVER"
    bytecode = f"{size['bytecode_mb']:.1f} MB of it" if size["bytecode"] else "NONE"
    print(
        f"Layer: {size['unzipped_mb']:.1f} MB unzipped ({verdict} the {size['target_unzipped_mb']:.0f} MB "
        f"target), {size['zipped_mb']:.1f} MB zipped; bytecode: "
        f"{bytecode}; "
        f"runtime-provided packages bundled: {', '.join(size['runtime_provided_bundled']) or 'none'}"
    )
    print(
        f"the design card's packages alone ({', '.join(CARD_PACKAGES)} and their dependencies, no "
        f"bytecode): {size['card_packages_mb']:.1f} MB"
    )
    print("largest: " + ", ".join(f"{name} {mb:.1f}" for name, mb in size["largest_mb"].items()))


def run() -> LayerSize:
    """The figures (printed too) for `make bench` to gather into bench/results.json."""
    size = measure()
    print_report(size)
    return size


if __name__ == "__main__":
    run()
