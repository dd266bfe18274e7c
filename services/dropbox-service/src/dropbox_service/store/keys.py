"""The service's key namespace."""


def namespace(prefix: str) -> str:
    """The service's key namespace under a deployment's (or a test's) `prefix`."""
    return prefix + "dropbox:"
