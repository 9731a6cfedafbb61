"""The shared Lambda layer: layers/common/python (the gateway package) plus its pinned wheels.

The layer is bundled on this machine with pip's cross-platform wheel download, so `cdk deploy` needs no
Docker; where local bundling fails, CDK falls back to the SAM build image with the same result.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.routes import LAYER_DIR

# The layer's wheels are built for exactly this runtime and architecture, so every function uses them.
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64

# Lambda puts /opt/python on sys.path; the layer's zip therefore holds everything under python/.
SITE_DIR = "python"
REQUIREMENTS = "requirements.txt"
# Python 3.13 on Lambda runs on Amazon Linux 2023 (glibc 2.34), so manylinux_2_28 wheels load there as
# well as manylinux2014 ones; accepting both keeps a future pin that ships only the newer tag installable.
_PIP_ARCH = {"arm64": "aarch64", "x86_64": "x86_64"}
PIP_PLATFORMS: tuple[str, ...] = tuple(
    f"{tag}_{_PIP_ARCH[ARCHITECTURE.name]}" for tag in ("manylinux2014", "manylinux_2_28")
)
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc"]


def python_version(runtime: lambda_.Runtime) -> str:
    """ "The runtime's version for pip's --python-version: python3.13 -> 3.13."""
    return runtime.name.removeprefix("python")


def pip_install_command(requirements: Path, target: Path) -> list[str]:
    """The pip invocation that fetches Lambda-compatible wheels on any host OS and architecture."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--requirement",
        str(requirements),
        "--target",
        str(target),
        "--implementation",
        "cp",
        "--python-version",
        python_version(RUNTIME),
        "--only-binary=:all:",
        # The host interpreter's .pyc files would be useless to the Lambda runtime.
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
    ]
    for platform in PIP_PLATFORMS:
        command += ["--platform", platform]
    return command


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Bundles the layer without Docker: pip downloads the target's wheels, then the package is copied."""

    def __init__(self, source_dir: Path) -> None:
        self._source_dir = source_dir

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        target = Path(output_dir) / SITE_DIR
        command = pip_install_command(self._source_dir / REQUIREMENTS, target)
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 (fixed argv)
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", None) or str(error)
            # False hands the job to Docker bundling, which works where Docker is available.
            print(f"Local layer bundling failed, falling back to Docker:\n{detail}", file=sys.stderr)
            return False
        shutil.copytree(
            self._source_dir / SITE_DIR,
            target,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        return True


def docker_bundling_command() -> Sequence[str]:
    """The same build inside the SAM image, for hosts where local bundling is unavailable."""
    return [
        "bash",
        "-c",
        f"pip install --no-compile -r {REQUIREMENTS} -t /asset-output/{SITE_DIR} "
        f"&& cp -r {SITE_DIR}/. /asset-output/{SITE_DIR}/",
    ]


class SharedLayer(Construct):
    """The layer every gateway function loads: Daraja client, domain logic, persistence, models."""

    def __init__(self, scope: Construct, construct_id: str, *, source_dir: Path = LAYER_DIR) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="mpesa_gateway package and its dependencies",
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            code=lambda_.Code.from_asset(
                str(source_dir),
                exclude=ASSET_EXCLUDES,
                bundling=BundlingOptions(
                    image=RUNTIME.bundling_image,
                    platform=ARCHITECTURE.docker_platform,
                    command=list(docker_bundling_command()),
                    local=PipLocalBundling(source_dir),
                ),
            ),
        )
