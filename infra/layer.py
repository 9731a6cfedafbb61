"""The shared Lambda layer: layers/common/python (the gateway package) plus its pinned wheels.

The layer is bundled on this machine with pip's cross-platform wheel download, so `cdk deploy` needs no
Docker; where local bundling fails, CDK falls back to the SAM build image with the same result.

Two things keep its cold start and size down. The distributions the Lambda runtime already provides
(boto3, botocore, s3transfer) are removed after pip brings them in as dependencies of the pinned
packages. And the whole layer is compiled to bytecode by the runtime's own Python version: /opt is
read-only on Lambda, so a layer without .pyc files is compiled again at every cold start. Hash-based
.pyc files that are never checked against their source are used although the zip's timestamps change.
"""

from __future__ import annotations

import glob
import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
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
# Distributions every Python runtime of Lambda has: pip installs them as dependencies (aws-xray-sdk
# requires botocore), the build takes them out again, and the runtime's copies are used.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
# Where the layer's files are on Lambda, written into the bytecode in place of the build directory.
LAMBDA_SITE_DIR = "/opt/python"


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


def remove_runtime_provided(target: Path, names: Sequence[str] = RUNTIME_PROVIDED) -> list[str]:
    """Delete the named distributions (their files as their RECORD lists them) from a pip --target
    directory; answers the ones that were there."""
    removed = []
    for distribution in importlib.metadata.distributions(path=[str(target)]):
        name = distribution.metadata["Name"]
        if name is None or name.lower() not in names:
            continue
        for file in distribution.files or ():
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                path.unlink()
        removed.append(name.lower())
    for name in names:
        # The package folders emptied above, and the dist-info folders themselves.
        for leftover in (target / name, *target.glob(f"{name}-*.dist-info")):
            shutil.rmtree(leftover, ignore_errors=True)
    return sorted(removed)


def runtime_interpreter(runtime: lambda_.Runtime = RUNTIME) -> str | None:
    """A Python of the runtime's version on this machine: the one running the build, one on PATH, or
    one that pyenv installed; None when there is none."""
    version = python_version(runtime)
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = sorted(glob.glob(str(pyenv_root / "versions" / f"{version}.*" / "bin" / f"python{version}")))
    on_path = shutil.which(f"python{version}")
    # pyenv's shim is on PATH even where that version is not selected, and then fails: prefer its install.
    if on_path and ".pyenv/shims" not in on_path:
        return on_path
    return installed[-1] if installed else None


def compile_command(interpreter: str, target: Path) -> list[str]:
    """compileall for the layer: every module, reproducible bytecode naming /opt/python as its home."""
    return [
        interpreter,
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(target),
        "-p",
        LAMBDA_SITE_DIR,
        str(target),
    ]


def build_site(source_dir: Path, target: Path) -> None:
    """Everything the layer's python/ folder holds, built into target: the pinned wheels less what the
    runtime provides, the gateway package, and bytecode when a Python of the runtime's version is here."""
    subprocess.run(  # noqa: S603 (fixed argv)
        pip_install_command(source_dir / REQUIREMENTS, target), check=True, capture_output=True, text=True
    )
    remove_runtime_provided(target)
    shutil.copytree(
        source_dir / SITE_DIR,
        target,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    interpreter = runtime_interpreter()
    if interpreter is None:
        print(
            f"No Python {python_version(RUNTIME)} here: the layer ships without bytecode, and Lambda "
            "compiles its modules at every cold start.",
            file=sys.stderr,
        )
        return
    subprocess.run(compile_command(interpreter, target), check=True, capture_output=True, text=True)  # noqa: S603


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Bundles the layer without Docker: pip downloads the target's wheels, then the package is copied."""

    def __init__(self, source_dir: Path) -> None:
        self._source_dir = source_dir

    # ILocalBundling's method: jsii passes BundlingOptions' fields as these keywords, none needed here.
    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: object) -> bool:
        try:
            build_site(self._source_dir, Path(output_dir) / SITE_DIR)
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", None) or str(error)
            # False hands the job to Docker bundling, which works where Docker is available.
            print(f"Local layer bundling failed, falling back to Docker:\n{detail}", file=sys.stderr)
            return False
        return True


def docker_bundling_command() -> Sequence[str]:
    """The same build inside the SAM image (whose python is the runtime's), for hosts where local
    bundling is unavailable."""
    site = f"/asset-output/{SITE_DIR}"
    provided = " ".join(f"'{site}/{name}' '{site}/{name}'-*.dist-info" for name in RUNTIME_PROVIDED)
    compile_step = " ".join(compile_command("python", Path(site)))
    return [
        "bash",
        "-c",
        f"pip install --no-compile -r {REQUIREMENTS} -t {site} && rm -rf {provided} "
        f"&& cp -r {SITE_DIR}/. {site}/ && find {site} -name __pycache__ -prune -exec rm -rf {{}} + "
        f"&& {compile_step}",
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
