"""django-axes hooks (config/settings/base.py): the client's address behind the intranet
proxy, and the login page shown to a username+address that is locked out."""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from .forms import LoginForm


def client_ip(request) -> str | None:
    """The address the nearest trusted proxy saw, or the connection's own address. Entries
    further left in X-Forwarded-For are set by the client and cannot be trusted."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def lockout_message() -> str:
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return _(
        "密码错误次数过多，该账号在本设备上已被暂时锁定。请 %(minutes)s 分钟后再试；"
        "如需立即解锁，请联系系统管理员。"
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The login page again (HTTP 429) with the lockout explained; the username stays filled."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": lockout_message(),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(request, "accounts/login.html", context, status=429)
