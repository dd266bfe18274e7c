"""Services talk only over Kafka and HTTP: no service imports another's code (DESIGN §1);
libs import no service, and no production code imports a development tool."""

import ast
from pathlib import Path

import pytest
from service_kit.services import SERVICES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _packages(pattern: str) -> dict[str, str]:
    """Importable package → its project folder, for the projects matching `pattern`."""
    return {
        path.name: path.parent.parent.name
        for path in ROOT.glob(pattern)
        if path.is_dir() and (path / "__init__.py").exists()
    }


SERVICE_MODULES = _packages("services/*/src/*")
TOOL_MODULES = _packages("tools/*/src/*")


def _imported_roots(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(), filename=str(source))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_services_table_names_every_service_in_the_tree():
    table = {spec.module: spec.name for spec in SERVICES}
    assert table == SERVICE_MODULES, "service_kit.services.SERVICES and services/ disagree"


@pytest.mark.parametrize("module", sorted(SERVICE_MODULES))
def test_service_imports_no_other_service(module: str):
    service_dir = ROOT / "services" / SERVICE_MODULES[module]
    others = set(SERVICE_MODULES) - {module}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & others)
        for path in service_dir.rglob("*.py")
        if _imported_roots(path) & others
    }
    assert not offenders, f"move shared code to libs/ instead: {offenders}"


def test_libs_import_no_service():
    offenders = {
        str(path.relative_to(ROOT))
        for path in ROOT.glob("libs/*/src/**/*.py")
        if _imported_roots(path) & set(SERVICE_MODULES)
    }
    assert not offenders, f"libs are imported by services, never the reverse: {offenders}"


def test_production_code_imports_no_development_tool():
    assert set(TOOL_MODULES) >= {"devstack", "dropbox_emulator", "smtp_sink"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(TOOL_MODULES))
        for pattern in ("libs/*/src/**/*.py", "services/*/src/**/*.py")
        for path in ROOT.glob(pattern)
        if _imported_roots(path) & set(TOOL_MODULES)
    }
    assert not offenders, f"tools are for development and tests only: {offenders}"
