"""Each lib and service installs alone with only what it declares (`uv sync --package`),
then every one of its modules imports."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
UV = str(Path(sys.executable).with_name("uv"))  # the dev dependency, whatever is on PATH
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


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_installs_alone_and_every_module_imports(package: str, tmp_path: Path):
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    subprocess.run(
        [UV, "sync", "--frozen", "--no-dev", "--package", package, "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    probe = IMPORT_ALL.format(module=PACKAGES[package])
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True
    )
    assert result.returncode == 0, f"{package} misses a declared dependency:\n{result.stderr}"
