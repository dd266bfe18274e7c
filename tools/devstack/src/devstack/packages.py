"""Programs from Debian's packages, installed with apt-get when missing (and we are root)."""

import os
import shutil
import subprocess

from devstack.paths import DevstackError


def debian_program(program: str, package: str, why: str) -> str:
    """The path of `program`; installs Debian's `package` first when it is missing."""
    found = shutil.which(program)
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise DevstackError(
            f"{program} is not installed: run `sudo apt-get install -y {package}` ({why})"
        )
    print(f"devstack: {program} is missing; installing Debian's {package} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
        if subprocess.run(command, check=False, env=env).returncode != 0:
            raise DevstackError(f"`{' '.join(command)}` failed (output above)")
    found = shutil.which(program)
    if found is None:
        raise DevstackError(f"apt-get installed {package} but {program} is not on PATH")
    return found
