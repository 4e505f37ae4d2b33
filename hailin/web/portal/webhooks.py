"""Webhook addresses and their delivery, kept from reaching inside the network.

One validator (:func:`validate_url`) serves the API and the admin: http or
https with a host name or a dotted address, nothing else. Delivery
(:func:`post_json`) resolves the host, refuses loopback, private, link-local,
reserved and the portal's own addresses unless ``settings.WEBHOOK_ALLOW``
names them (a receiver on the same machine), connects to the address it
checked, follows no redirect, and says only the status code or a fixed reason:
never what the receiver answered, nor whether a port was closed or silent.
"""

import functools
import http.client
import ipaddress
import json
import socket
import ssl
import urllib.parse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_URL = 500
NOT_DELIVERED = "not delivered (no connection to the receiver)"
NOT_ALLOWED = "not delivered: the address is inside this network (HAILIN_WEBHOOK_ALLOW)"
_urls = URLValidator(schemes=["http", "https"])


class DeliveryError(Exception):
    """A destination did not take a message (the text is fixed, safe to show)."""


def validate_url(url):
    """Raise ValidationError unless ``url`` is http(s) with a host, no user part,
    no spaces or control characters, at most 500 characters.

    Examples
    --------
    >>> validate_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    >>> for bad in ("https://", "http://2130706433/", "ftp://a.cn/", "http://a.cn/\\r\\nX: y"):
    ...     try:
    ...         validate_url(bad)
    ...     except ValidationError:
    ...         print("refused", repr(bad))
    refused 'https://'
    refused 'http://2130706433/'
    refused 'ftp://a.cn/'
    refused 'http://a.cn/\\r\\nX: y'
    """
    url = str(url)
    if len(url) > MAX_URL or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise ValidationError("a webhook URL is at most 500 characters, without spaces")
    _urls(url)
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname or "@" in parts.netloc:
        raise ValidationError("a webhook URL names a host (and no user name)")


def _allowed(address):
    allow = [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOW]
    if any(address in network for network in allow):
        return True
    inside = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )
    return not inside and str(address) not in _own_addresses()


@functools.cache  # looked up once per process: a name lookup may be slow here
def _own_addresses():
    from hailin.web.bootstrap import machine_names

    return {name.strip("[]") for name in machine_names()}


def checked_address(host, port):
    """The address ``host`` resolves to, when delivery may go there."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise DeliveryError(NOT_DELIVERED) from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(_allowed(a) for a in addresses):
        raise DeliveryError(NOT_ALLOWED)
    return str(addresses[0])


class _Pinned(http.client.HTTPConnection):
    """A connection to the address that was checked, not to a fresh lookup."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(_Pinned):
    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post_json(url, body, timeout):
    """POST ``body`` as JSON to ``url``; (status, up to 64 KiB of the answer).
    Raises DeliveryError with a fixed reason for anything but a 2xx answer."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("not an http(s) URL with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = checked_address(parts.hostname, port)
    kind = _PinnedTLS if parts.scheme == "https" else _Pinned
    connection = kind(parts.hostname, port, address, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "hailin"}
    try:
        connection.request("POST", target, body=data, headers=headers)
        response = connection.getresponse()
        status, answer = response.status, response.read(64 * 1024)
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise DeliveryError(NOT_DELIVERED) from error
    finally:
        connection.close()
    if not 200 <= status < 300:  # redirects included: never followed
        raise DeliveryError(f"HTTP {status}")
    return status, answer


def deactivate(hook, request):
    """Stop ``hook`` (whatever its URL holds) and say so in the audit log."""
    from hailin.web.portal.audit import record

    type(hook).objects.filter(pk=hook.pk).update(active=False)
    record("webhook_deactivated", user=request.user, request=request, name=hook.name)
