"""What login throttling counts failures on: the client's address and the account's email.

One function decides each, for every login path (the admin, the browsable API, the JWT login)
and for both django-axes (its `AXES_CLIENT_IP_CALLABLE` and `AXES_USERNAME_CALLABLE` settings)
and the API's address throttle, so that no path can be used to step around another.
"""

from __future__ import annotations

import ipaddress
import unicodedata

from django.conf import settings


def _valid_address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The address the client connected from, as the trusted reverse proxies report it.

    With `TRUSTED_PROXY_COUNT` = N proxies in front of the app, the first proxy appends the
    address it saw to `X-Forwarded-For` and each further proxy appends its predecessor's, so the
    client's address is the N-th entry from the right. Everything left of it was written by the
    client and is never used. A header shorter than that (a request that did not pass every
    proxy) or a malformed entry falls back to the connection's own address.
    """
    remote = _valid_address(request.META.get("REMOTE_ADDR")) or ""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < hops:
        return remote
    return _valid_address(forwarded[-hops]) or remote


def normalised_email(typed: str | None) -> str:
    """The account a typed email logs in to, in one spelling for every case variant.

    Login matches the email case-insensitively in the database, whose case rules are not
    Python's (PostgreSQL maps the dotless `ı` to `I`, for one); the stored address of the
    matching account is therefore the key when there is one, and a case-folded form otherwise.
    """
    from .models import User

    text = unicodedata.normalize("NFKC", str(typed or "")).strip()
    if not text:
        return ""
    stored = User.objects.filter(email__iexact=text).order_by("pk").values_list("email", flat=True).first()
    return (stored or text).upper().casefold()


def login_email(request, credentials: dict | None) -> str:
    """django-axes' username callable: the normalised email of an attempt on any login path."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field):
        typed = credentials.get(field)
    else:
        typed = getattr(request, "POST", {}).get(field)
    return normalised_email(typed)
