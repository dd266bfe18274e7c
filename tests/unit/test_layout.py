"""Every service has the same rooms (README "How it fits together"): a newcomer who knows
one service finds the same things under the same names in another. Beside
test_import_boundaries.py, which keeps the walls between services."""

import ast
import re
from pathlib import Path

import pytest
from service_kit.services import SERVICES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EVERY_SERVICE = ("settings.py", "app.py", "context.py", "consumers.py", "api")
# Each layer is a module, a folder of them, or a module in every feature folder.
LAYERS = {
    "models": ("models.py",),
    "domain": ("domain.py",),
    "service": ("service.py", "services"),
    "store": ("store.py", "store"),
}
# Rooms that talk to the outside world by their nature; the pure ones talk to none of it.
IO_LIBRARIES = {"redis", "httpx", "faststream", "aiokafka", "dropbox", "aiosmtplib"}
IMPURE_CALLS = {"now", "utcnow", "time", "monotonic", "uuid4", "token_hex", "token_urlsafe"}


def _package(service: str) -> Path:
    module = next(spec.module for spec in SERVICES if spec.name == service)
    return ROOT / "services" / service / "src" / module


def _rooms(package: Path) -> set[str]:
    return {
        path.name
        for path in package.iterdir()
        if path.name not in {"__init__.py", "__main__.py", "__pycache__", "templates", "static"}
        and (path.suffix == ".py" or (path / "__init__.py").exists())
    }


def _features(package: Path) -> list[Path]:
    """Folders that hold a feature's own layers (link-service's catalog/, links/, ...)."""
    return [
        path
        for path in package.iterdir()
        if (path / "__init__.py").exists() and (path / "service.py").exists()
    ]


def _imports(source: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module)
    return roots


def _calls(source: Path) -> set[str]:
    return {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call)
    }


def _modules(package: Path, layer: tuple[str, ...]) -> list[Path]:
    """The modules of one layer, wherever the service keeps it."""
    found: list[Path] = []
    for folder in (package, *_features(package)):
        for name in layer:
            path = folder / name
            if path.is_dir():
                found += sorted(path.rglob("*.py"))
            elif path.exists():
                found.append(path)
    return found


SERVICE_NAMES = [spec.name for spec in SERVICES]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_service_has_the_same_rooms(service: str):
    package = _package(service)
    missing = [room for room in EVERY_SERVICE if not (package / room).exists()]
    missing += [layer for layer, names in LAYERS.items() if not _modules(package, names)]
    assert not missing, f"{service} lacks the rooms {missing} (README: How it fits together)"
    app = ast.parse((package / "app.py").read_text())
    functions = {node.name for node in app.body if isinstance(node, ast.FunctionDef)}
    assert "create_app" in functions, f"{service}/app.py defines no create_app(settings)"
    assert any(name.endswith("_context") for name in functions), (
        f"{service}/app.py defines no <service>_context(runtime, settings, ...) building the core"
    )


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_room_is_in_the_services_readme_table(service: str):
    readme = (ROOT / "services" / service / "README.md").read_text()
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    named = set(re.findall(r"`([\w/]+?(?:\.py|/))", table))
    rooms = {room if room.endswith(".py") else f"{room}/" for room in _rooms(_package(service))}
    assert rooms <= named, f"{service}/README.md's rooms table omits {sorted(rooms - named)}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_routes_reach_redis_and_other_systems_only_through_services(service: str):
    # Their exceptions may be named: api/problems.py answers an outage once.
    package = _package(service)
    offenders = {
        str(path.relative_to(package)): sorted(
            name
            for name in _imports(path)
            if name.split(".")[0] in IO_LIBRARIES and not name.endswith(".exceptions")
        )
        for path in (package / "api").rglob("*.py")
    }
    assert not {path: names for path, names in offenders.items() if names}, offenders


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_domain_and_models_are_pure(service: str):
    package = _package(service)
    offenders: dict[str, list[str]] = {}
    for path in _modules(package, LAYERS["domain"]) + _modules(package, LAYERS["models"]):
        io = {name for name in _imports(path) if name.split(".")[0] in IO_LIBRARIES}
        impure = _calls(path) & IMPURE_CALLS
        if io or impure:
            offenders[str(path.relative_to(package))] = sorted(io | impure)
    assert not offenders, f"pass the clock and ids in; keep I/O in services and stores: {offenders}"
