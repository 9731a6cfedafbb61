"""The layer build: what the runtime provides is left out, and the bytecode is fit for a read-only /opt."""

from __future__ import annotations

import importlib.util
import marshal
import subprocess
import sys
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from infra.layer import (
    LAMBDA_SITE_DIR,
    REQUIREMENTS,
    RUNTIME_PROVIDED,
    compile_command,
    docker_bundling_command,
    remove_runtime_provided,
    runtime_interpreter,
)
from infra.routes import LAYER_DIR


def install_fake_distribution(site: Path, name: str, version: str = "1.0") -> Path:
    """A package folder and the dist-info pip writes for it, RECORD listing every file."""
    package = site / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "data.json").write_text("{}\n")
    info = site / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    files = [f"{name}/__init__.py", f"{name}/data.json", f"{info.name}/METADATA", f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{file},,\n" for file in files))
    return package


def test_the_runtime_provided_distributions_are_removed_and_the_rest_kept(tmp_path):
    install_fake_distribution(tmp_path, "botocore", "1.44.5")
    install_fake_distribution(tmp_path, "s3transfer", "0.16.0")
    kept = install_fake_distribution(tmp_path, "requests", "2.34.2")

    removed = remove_runtime_provided(tmp_path)

    assert removed == ["botocore", "s3transfer"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["requests", "requests-2.34.2.dist-info"]
    assert (kept / "__init__.py").is_file()


def test_removing_from_a_layer_without_them_changes_nothing(tmp_path):
    install_fake_distribution(tmp_path, "pydantic")

    assert remove_runtime_provided(tmp_path) == []
    assert (tmp_path / "pydantic" / "__init__.py").is_file()


def test_the_layer_requirements_name_none_of_what_the_runtime_provides():
    lines = (LAYER_DIR / REQUIREMENTS).read_text().splitlines()
    names = {line.split("==")[0].split("[")[0].strip().lower() for line in lines if line and line[0] != "#"}
    assert names.isdisjoint(RUNTIME_PROVIDED)
    assert "aws-lambda-powertools" in names  # and without the tracer extra, which would pin botocore
    assert not any("[tracer]" in line for line in lines)


def test_the_bytecode_is_never_checked_against_its_source_and_names_opt_python(tmp_path):
    package = tmp_path / "python" / "mpesa_demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("def where():\n    return where.__code__.co_filename\n")

    subprocess.run(compile_command(sys.executable, tmp_path / "python"), check=True)

    (compiled,) = (package / "__pycache__").glob("__init__.*.pyc")
    header = compiled.read_bytes()
    flags = int.from_bytes(header[4:8], "little")
    # PEP 552: bit 0 = hash-based, bit 1 = check the source; unchecked survives the zip's timestamps.
    assert flags == 0b01
    assert header[:4] == importlib.util.MAGIC_NUMBER
    code = marshal.loads(header[16:])
    assert code.co_filename == f"{LAMBDA_SITE_DIR}/mpesa_demo/__init__.py"


def test_the_running_python_compiles_when_it_is_the_runtime_version():
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    runtime = lambda_.Runtime(f"python{version}", lambda_.RuntimeFamily.PYTHON)
    assert runtime_interpreter(runtime) == sys.executable


def test_a_pyenv_install_of_the_runtime_version_is_found(tmp_path, monkeypatch):
    interpreter = tmp_path / "versions" / "3.99.1" / "bin" / "python3.99"
    interpreter.parent.mkdir(parents=True)
    interpreter.write_text("")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    runtime = lambda_.Runtime("python3.99", lambda_.RuntimeFamily.PYTHON)

    assert runtime_interpreter(runtime) == str(interpreter)


def test_without_a_python_of_the_runtime_version_there_is_no_interpreter(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    runtime = lambda_.Runtime("python3.99", lambda_.RuntimeFamily.PYTHON)

    assert runtime_interpreter(runtime) is None


def test_the_docker_build_drops_the_runtime_provided_packages_and_compiles():
    (script,) = docker_bundling_command()[2:]
    assert "--no-compile" in script
    for name in RUNTIME_PROVIDED:
        assert f"'/asset-output/python/{name}'" in script
    assert "python -m compileall" in script
    assert "--invalidation-mode unchecked-hash" in script
