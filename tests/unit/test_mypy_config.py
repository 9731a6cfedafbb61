"""mypy's configuration: every aws_cdk and moto module the checked code imports is analysed, not Any.

pyproject.toml skips those packages' modules but for the ones it lists (following them all is slow);
a module imported without being listed there would silently lose its type checks.
"""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path
from typing import Any

from infra.routes import PROJECT_ROOT

# The packages whose modules mypy analyses only when pyproject.toml lists them.
PARTLY_FOLLOWED = ("aws_cdk", "moto")


def mypy_config() -> dict[str, Any]:
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["tool"]["mypy"]


def followed(config: dict[str, Any]) -> set[str]:
    return {
        module
        for override in config["overrides"]
        if override.get("follow_imports") == "normal"
        for module in override["module"]
    }


def is_module(dotted: str) -> bool:
    """Whether the installed package has this module (found on disk: aws_cdk is slow to import)."""
    top, *rest = dotted.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        return False
    path = Path(spec.origin).parent.joinpath(*rest)
    return path.is_dir() or path.with_suffix(".py").is_file()


def imported(source: str) -> set[str]:
    """The PARTLY_FOLLOWED modules source imports (`from aws_cdk import aws_sqs` imports aws_cdk.aws_sqs)."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            if node.module.split(".")[0] in PARTLY_FOLLOWED:
                names = (f"{node.module}.{alias.name}" for alias in node.names)
                modules.update(name for name in names if is_module(name))
    return {module for module in modules if module.split(".")[0] in PARTLY_FOLLOWED}


def checked_files(config: dict[str, Any]) -> list[Path]:
    paths = [PROJECT_ROOT / entry for entry in config["files"]]
    return [found for path in paths for found in ([path] if path.is_file() else sorted(path.rglob("*.py")))]


def test_every_aws_cdk_and_moto_module_the_checked_code_imports_is_analysed():
    config = mypy_config()
    files = checked_files(config)
    imports = {module for path in files for module in imported(path.read_text(encoding="utf-8"))}

    assert PROJECT_ROOT / "infra" / "api.py" in files
    assert {"aws_cdk", "aws_cdk.aws_apigateway", "moto.server"} <= imports
    assert imports - followed(config) == set()


def test_an_unlisted_module_is_found_whether_imported_by_name_or_from_its_package():
    source = "from aws_cdk import Duration, aws_sns as sns\nimport aws_cdk.aws_s3\nimport json\n"

    found = imported(source)

    assert found == {"aws_cdk", "aws_cdk.aws_sns", "aws_cdk.aws_s3"}  # Duration is a class, not a module
    assert found - followed(mypy_config()) == {"aws_cdk.aws_sns", "aws_cdk.aws_s3"}
