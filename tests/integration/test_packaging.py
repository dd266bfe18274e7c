"""Each service installs alone with only what it declares (`uv sync --package`), then imports."""

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
    for path in ROOT.glob("services/*/src/*")
    if (path / "__init__.py").exists()
}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_service_installs_and_imports_on_its_own(package: str, tmp_path: Path):
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    subprocess.run(
        [UV, "sync", "--frozen", "--no-dev", "--package", package, "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    module = PACKAGES[package]
    probe = f"import {module}.app, {module}.settings; {module}.app.create_app"
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True
    )
    assert result.returncode == 0, f"{package} misses a declared dependency:\n{result.stderr}"
