"""The services of this repository, once: devstack, the test harness and the compose
checks all read this table."""

from dataclasses import dataclass

from contracts import topics as t


@dataclass(frozen=True)
class ServiceSpec:
    """A service: its name (folder under services/, compose service; its package is
    `sharelinks-<name>`), the module `python -m` runs, its port's variable and default
    (DESIGN §2), for a service facing the internet its admin port's (DESIGN §12), and the
    topics it produces and consumes (DESIGN §11: its Kafka ACLs, service_kit.grants).
    A service consumes in its consumer group (its name), or with `broadcast` each instance
    reads every partition without a group."""

    name: str
    module: str
    port_env: str
    default_port: int
    admin_port_env: str | None = None
    produces: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()
    broadcast: bool = False
    # The services whose `/internal/...` routes it calls, with its own internal token.
    calls: tuple[str, ...] = ()

    @property
    def writes(self) -> tuple[str, ...]:
        """The topics it writes: those it produces, and the dead-letter topics of those it
        consumes."""
        return self.produces + tuple(t.dlq(name) for name in self.consumes)

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic it touches, which it provisions at start (DESIGN §11)."""
        return tuple(dict.fromkeys(self.writes + self.consumes))

    @property
    def env_prefix(self) -> str:
        """Its name in environment variables: `LINK_SERVICE` (`LINK_SERVICE_KAFKA_…`)."""
        return self.name.upper().replace("-", "_")


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "gateway",
        "gateway",
        "GATEWAY_PORT",
        8000,
        "GATEWAY_ADMIN_PORT",
        produces=(t.SHARE_VIEWED, t.SHARE_PLAYED, t.DOWNLOAD_RECORDED),
        consumes=(t.SHARE_REVOKED, t.SHARE_RECIPIENT_REVOKED),
        broadcast=True,  # every instance forgets a revoked link or token (gateway.consumers)
        calls=("link-service", "dropbox-service"),
    ),
    ServiceSpec(
        "link-service",
        "link_service",
        "LINK_SERVICE_PORT",
        8001,
        produces=(
            t.SHARE_CREATED,
            t.SHARE_REVOKED,
            t.SHARE_UPDATED,
            t.SHARE_RECIPIENT_REVOKED,
            t.COLLAB_SHARE_REQUESTED,
            t.COLLAB_REVOKE_REQUESTED,
        ),
        consumes=(
            t.COLLAB_GRANTED,
            t.COLLAB_FAILED,
            t.COLLAB_REVOKED,
            t.COLLAB_REVOKE_FAILED,
            t.DROPBOX_CONNECTED,
            t.DROPBOX_DISCONNECTED,
            t.SHARE_ALERT,
        ),
    ),
    ServiceSpec(
        "dropbox-service",
        "dropbox_service",
        "DROPBOX_SERVICE_PORT",
        8002,
        produces=(
            t.COLLAB_GRANTED,
            t.COLLAB_FAILED,
            t.COLLAB_REVOKED,
            t.COLLAB_REVOKE_FAILED,
            t.DROPBOX_CONNECTED,
            t.DROPBOX_DISCONNECTED,
        ),
        consumes=(t.COLLAB_SHARE_REQUESTED, t.COLLAB_REVOKE_REQUESTED),
        calls=("link-service",),  # the catalog check of a share (decision 0005)
    ),
    ServiceSpec(
        "notify-service",
        "notify_service",
        "NOTIFY_SERVICE_PORT",
        8003,
        consumes=(t.COLLAB_GRANTED, t.SHARE_CREATED, t.SHARE_UPDATED, t.SHARE_ALERT),
    ),
    ServiceSpec(
        "analytics-service",
        "analytics_service",
        "ANALYTICS_SERVICE_PORT",
        8004,
        produces=(t.SHARE_ALERT,),
        consumes=(
            t.SHARE_CREATED,
            t.SHARE_REVOKED,
            t.SHARE_UPDATED,
            t.SHARE_VIEWED,
            t.SHARE_PLAYED,
            t.DOWNLOAD_RECORDED,
        ),
    ),
)
BY_NAME = {service.name: service for service in SERVICES}


def callers_of(name: str) -> tuple[str, ...]:
    """The services that call service `name`'s internal routes."""
    return tuple(spec.name for spec in SERVICES if name in spec.calls)
