"""The service's core: connections, temporary links, grants (and sharing, how grants act)."""
