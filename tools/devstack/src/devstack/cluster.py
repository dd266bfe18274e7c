"""Whether devstack and the tests run the cluster (CLUSTER=1, DESIGN §14): three Kafka
nodes and a Redis Cluster of three primaries and three replicas, instead of one of each."""

import os


def enabled() -> bool:
    """CLUSTER set to anything but empty, 0 or false."""
    return os.environ.get("CLUSTER", "").strip().lower() not in ("", "0", "false", "no")
