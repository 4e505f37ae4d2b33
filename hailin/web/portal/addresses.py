"""Who is asking: the client's address for the login lockout (django-axes) and
the audit log. Behind a reverse proxy every request comes from the proxy, so
the client is read from ``X-Forwarded-For``, but only when the request came
from one of ``settings.TRUSTED_PROXIES``: anyone else can write that header."""

import functools
import ipaddress

from django.conf import settings

MAX_LENGTH = 64


@functools.cache
def _networks(proxies):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def forwarded_client(remote, forwarded, proxies):
    """The client's address: ``remote`` unless it is one of ``proxies``; then the
    last address of the ``forwarded`` chain (X-Forwarded-For, as nginx's
    ``$proxy_add_x_forwarded_for`` appends it) that is not itself a proxy.

    Examples
    --------
    >>> forwarded_client("127.0.0.1", "10.0.0.5", ("127.0.0.1",))
    '10.0.0.5'
    >>> forwarded_client("127.0.0.1", "6.6.6.6, 10.0.0.5", ("127.0.0.1",))
    '10.0.0.5'
    >>> forwarded_client("10.0.0.7", "1.2.3.4", ("127.0.0.1",))  # not a proxy: ignored
    '10.0.0.7'
    >>> forwarded_client("127.0.0.1", "not an address", ("127.0.0.0/8",))
    '127.0.0.1'
    """
    networks = _networks(tuple(proxies))
    here = _address(remote or "")

    def trusted(address):
        return address is not None and any(address in net for net in networks)

    if not trusted(here) or not forwarded:
        return remote or ""
    for part in reversed(forwarded.split(",")):
        address = _address(part)
        if address is None:
            break
        if not trusted(address):
            return str(address)
    return remote or ""


def client_address(request):
    """The address of the client behind ``request`` (see :func:`forwarded_client`)."""
    if request is None:
        return ""
    meta = request.META
    return forwarded_client(
        meta.get("REMOTE_ADDR", ""),
        meta.get("HTTP_X_FORWARDED_FOR", ""),
        tuple(settings.TRUSTED_PROXIES),
    )[:MAX_LENGTH]
