"""Which requests the app answers: its own host names only, and changes from its own pages only.

DNS rebinding: a page on ``attacker.example`` whose name is made to resolve to 127.0.0.1
talks to the app as if it were the app's own page, so the browser's same-origin rule does not
protect a project served without users. Such requests carry ``Host: attacker.example``, so
the app answers only the names it was bound to: localhost, 127.0.0.1, [::1], the ``--host``
given, and any ``--allowed-host`` (the public name behind a proxy). Bound to every interface
(0.0.0.0 or ::) it also answers the machine's own names and any IP address, which no
rebinding can borrow (rebinding needs a name the attacker controls).

Every request that changes something (POST and the like) must also come from the app's own
pages: its ``Origin`` (or, without one, its ``Referer``) must be the host it was sent to.
Browsers send ``Origin`` with every POST; a request with neither header is not a browser's
cross-site request (the CSRF token still guards it).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from starlette.requests import Request

LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
EVERY_INTERFACE: Final = frozenset({"0.0.0.0", "::", ""})
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def _bare(name: str) -> str:
    return name.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostPolicy:
    """The host names one app answers to."""

    def __init__(self, bound_host: str, allowed: Iterable[str] = ()) -> None:
        self.every_interface = _bare(bound_host) in EVERY_INTERFACE
        names = set(LOOPBACK_NAMES) | {_bare(bound_host)} | {_bare(a) for a in allowed}
        if self.every_interface:
            names |= {_bare(socket.gethostname()), _bare(socket.getfqdn())}
        self.names = frozenset(n for n in names if n and n not in EVERY_INTERFACE)

    def allows(self, host_header: str | None) -> bool:
        name = host_name(host_header)
        if name is None:
            return False
        return name in self.names or (self.every_interface and _is_ip(name))


def host_name(host_header: str | None) -> str | None:
    """The name of a ``Host`` header without its port ('[::1]:8000' -> '::1'), or None."""
    if not host_header:
        return None
    text = host_header.strip()
    if text.startswith("["):
        end = text.find("]")
        return _bare(text[: end + 1]) if end > 0 else None
    name, _, port = text.partition(":")
    if port and not port.isdigit():
        return None
    return _bare(name) or None


def same_origin(request: Request) -> bool:
    """Whether a request that changes something comes from a page of this very host."""
    source = request.headers.get("origin")
    if source is None:
        source = request.headers.get("referer")
        if source is None:
            return True
    if source.strip() == "null":  # a sandboxed frame, a file, a redirect across sites
        return False
    parts = urlsplit(source.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return parts.netloc.lower() == request.headers.get("host", "").strip().lower()


def refusal(request: Request, policy: HostPolicy) -> tuple[int, str] | None:
    """(status, message) when the request must be refused before anything reads it."""
    if not policy.allows(request.headers.get("host")):
        return 400, ("refused: this server answers only to its own host names (the request"
                     " named another; see `uncounted serve --allowed-host`)")
    if request.method not in SAFE_METHODS and not same_origin(request):
        return 403, "refused: a change sent from another site's page"
    return None
