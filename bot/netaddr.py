"""Who is asking: the peer, or (only behind a reverse proxy listed in TRUSTED_PROXIES) the
address that proxy saw, read from X-Forwarded-For from the right."""

import ipaddress
from collections.abc import Iterable

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(given: Iterable[str]) -> tuple[Network, ...]:
    """`TRUSTED_PROXIES` entries: addresses or networks ("10.0.0.0/8", "127.0.0.1")."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in given)


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(request: web.Request, trusted: tuple[Network, ...]) -> str:
    """The peer; when the peer is a trusted proxy, the right-most address of X-Forwarded-For
    that is not itself a trusted proxy (a client can prepend anything, never append)."""
    peer = request.remote or "?"
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop, trusted):
            return hop[:64]
    return peer
