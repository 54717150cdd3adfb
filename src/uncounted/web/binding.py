"""Where the app may listen: on this machine only, unless users have been configured."""

from __future__ import annotations

import ipaddress
from typing import Final

from uncounted.core.errors import UncountedError
from uncounted.store.project import Project
from uncounted.web.users import has_users

DEFAULT_HOST: Final = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(project: Project, host: str) -> None:
    """Refuse to serve personal data beyond this machine without logins."""
    if not is_loopback(host) and not has_users(project):
        raise UncountedError(
            f"refusing to listen on {host}: the project has no users, so anyone who can reach"
            " the machine would see every record. Add one first with `uncounted user add"
            f" {project.root} NAME --role admin`, or serve on 127.0.0.1 (the default).",
            file=str(project.root),
        )
