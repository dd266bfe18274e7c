"""The services of this repository, once: devstack, the test harness and the compose
checks all read this table."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """A service: its name (folder under services/, compose service; its package is
    `sharelinks-<name>`), the module `python -m` runs, its port's variable and default
    (DESIGN §2), and for a service facing the internet its admin port's (DESIGN §12)."""

    name: str
    module: str
    port_env: str
    default_port: int
    admin_port_env: str | None = None


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("gateway", "gateway", "GATEWAY_PORT", 8000, "GATEWAY_ADMIN_PORT"),
    ServiceSpec("link-service", "link_service", "LINK_SERVICE_PORT", 8001),
    ServiceSpec("dropbox-service", "dropbox_service", "DROPBOX_SERVICE_PORT", 8002),
    ServiceSpec("notify-service", "notify_service", "NOTIFY_SERVICE_PORT", 8003),
    ServiceSpec("analytics-service", "analytics_service", "ANALYTICS_SERVICE_PORT", 8004),
)
BY_NAME = {service.name: service for service in SERVICES}
