"""Each lib and service installs alone with only what it declares (`uv sync --package`),
then every one of its modules imports; every workspace package builds an sdist and a wheel
that `twine check --strict` passes, published under a name we own (`sharelinks-*`: the bare
names `contracts`, `messaging` and `devstack` are other projects' on PyPI), and a service's
wheel installs from the built wheels and PyPI without pulling any of those."""

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the dev dependencies' uv and twine, whatever is on PATH
UV = str(BIN / "uv")
PREFIX = "sharelinks-"
# Taken on PyPI by unrelated projects: installing one instead of ours is dependency confusion.
SQUATTED = {"contracts", "messaging", "devstack"}
MEMBERS = sorted(path.parent for path in ROOT.glob("*/*/pyproject.toml"))
PACKAGES = {
    path.parent.parent.name: path.name
    for pattern in ("libs/*/src/*", "services/*/src/*")
    for path in ROOT.glob(pattern)
    if (path / "__init__.py").exists()
}
IMPORT_ALL = (
    "import importlib, pkgutil, {module}; "
    "[importlib.import_module(m.name) for m in pkgutil.walk_packages({module}.__path__, "
    "'{module}.')]"
)
# The service whose wheel goes into a fresh virtualenv, and the libraries it brings.
SERVICE = "link-service"
SERVICE_PACKAGES = ("contracts", "messaging", "service-kit", SERVICE)


def distribution(directory: str) -> str:
    """The distribution name of the workspace member in libs/, services/ or tools/<directory>."""
    (pyproject,) = ROOT.glob(f"*/{directory}/pyproject.toml")
    with pyproject.open("rb") as f:
        name: str = tomllib.load(f)["project"]["name"]
    return name


def run(*command: str | Path, cwd: Path = ROOT) -> str:
    result = subprocess.run(list(map(str, command)), cwd=cwd, capture_output=True, text=True)
    shown = " ".join(map(str, command[:4]))
    assert result.returncode == 0, f"{shown} ... failed:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_installs_alone_and_every_module_imports(package: str, tmp_path: Path):
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    subprocess.run(
        [UV, "sync", "--frozen", "--no-dev", "--package", distribution(package), "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    probe = IMPORT_ALL.format(module=PACKAGES[package])
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True
    )
    assert result.returncode == 0, f"{package} misses a declared dependency:\n{result.stderr}"


def test_every_package_is_published_under_a_name_we_own():
    names = {member.name: distribution(member.name) for member in MEMBERS}
    wrong = {d: name for d, name in names.items() if name != PREFIX + d}
    assert not wrong, f"name each member sharelinks-<its directory> in its pyproject: {wrong}"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every workspace package's sdist and wheel, built as they would be published."""
    out = tmp_path_factory.mktemp("dist")
    run(UV, "build", "--all-packages", "--out-dir", out, "--quiet")
    return out


def test_every_package_builds_an_sdist_and_a_wheel_twine_accepts(dist: Path):
    artefacts = sorted([*dist.glob("*.tar.gz"), *dist.glob("*.whl")])  # uv adds a .gitignore
    built = {p.name for p in artefacts}
    for member in MEMBERS:
        stem = distribution(member.name).replace("-", "_") + "-0.1.0"
        assert {f"{stem}.tar.gz", f"{stem}-py3-none-any.whl"} <= built, f"{member} did not build"
    run(BIN / "twine", "check", "--strict", *artefacts)


def test_every_wheel_carries_its_summary_readme_and_licence(dist: Path):
    licence = (ROOT / "LICENSE").read_text()
    for wheel in sorted(dist.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            info = wheel.name.split("-py3")[0] + ".dist-info"
            metadata = archive.read(f"{info}/METADATA").decode()
            shipped = archive.read(f"{info}/licenses/LICENSE").decode()
        for field in ("Summary: ", "Author: ", "Description-Content-Type: text/markdown"):
            assert f"\n{field}" in metadata, f"{wheel.name} has no {field.strip()}"
        assert "\nLicense-Expression: LicenseRef-Proprietary\n" in metadata, wheel.name
        assert "\nLicense-File: LICENSE\n" in metadata, wheel.name
        assert shipped == licence, f"{wheel.name}: copy the root LICENSE over its package's"


def test_service_wheel_installs_without_a_squatted_name(dist: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    # Outside the workspace, so uv reads none of its configuration: PyPI for the rest.
    run(UV, "venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path)
    install = ("pip", "install", "--quiet", "--python", python, "--find-links", dist)
    run(UV, *install, PREFIX + SERVICE, cwd=tmp_path)

    listed = run(UV, "pip", "list", "--python", python, "--format", "json", cwd=tmp_path)
    installed = {package["name"] for package in json.loads(listed)}
    assert not installed & SQUATTED, f"PyPI's {sorted(installed & SQUATTED)} got installed"
    assert {PREFIX + p for p in SERVICE_PACKAGES} <= installed, sorted(installed)

    for package in SERVICE_PACKAGES:
        probe = IMPORT_ALL.format(module=PACKAGES[package])
        result = subprocess.run([python, "-c", probe], capture_output=True, text=True)
        assert result.returncode == 0, f"{package}'s wheel does not import:\n{result.stderr}"
    origin = (
        "import importlib.metadata as m, json, messaging; "
        "print(json.dumps([m.packages_distributions()['messaging'], messaging.__file__]))"
    )
    owners, module_file = json.loads(run(python, "-c", origin))
    assert owners == [PREFIX + "messaging"], f"messaging comes from {owners}"
    ours = ROOT / "libs" / "messaging" / "src" / "messaging" / "__init__.py"
    assert Path(module_file).read_bytes() == ours.read_bytes(), "messaging is not our build"
