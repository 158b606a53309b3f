"""The installable app (PWA): the web app manifest and the service worker, both served by
the application itself from the site root, so the worker's scope is the whole site (no CDN,
nothing outside the app; ARCHITECTURE.md, "The offline queue").

The worker (``templates/pwa/sw.js``) keeps the app shell (the files listed in ``SHELL``,
by their static URLs: hashed names in production) and the day's pages that 今日拜访 asks it
to keep; its version is a hash of its own text, so a change of the shell (a new hashed
name) installs a new worker and drops the old shell cache."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

SHELL = (
    "css/app.css",
    "js/behaviours.js",
    "js/offline.js",
    "js/visit_log.js",
    "js/shelf_photos.js",
    "js/visit_location.js",
    "django_htmx/htmx-2.min.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
)
THEME_COLOR = "#0b6e4f"
VERSION_MARK = "__VERSION__"


@require_safe
@cache_control(no_cache=True)  # the browser checks for a new worker on every visit
def service_worker(request):
    context = {
        "shell": json.dumps([static(path) for path in SHELL] + [reverse("manifest")]),
        "static_prefix": json.dumps(static("")),
        "login_paths": json.dumps(_in_every_language("accounts:login")),
        "logout_paths": json.dumps(_in_every_language("accounts:logout")),
        "offline_html": json.dumps(
            render_to_string("pwa/offline.html", {"today_url": reverse("visits:today")}),
            ensure_ascii=False,
        ),
        "version": VERSION_MARK,
    }
    text = render_to_string("pwa/sw.js", context)
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    response = HttpResponse(
        text.replace(VERSION_MARK, version), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    return response


def _in_every_language(name: str) -> list[str]:
    paths = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            paths.append(reverse(name))
    return paths


@require_safe
@cache_control(max_age=3600)
def manifest(request):
    data = {
        "name": _("135 工作法 · 客户经理工作平台"),
        "short_name": _("135 工作法"),
        "description": _("今日拜访、拜访记录：离线也能记录，联网后自动同步。"),
        "lang": "zh-CN",
        "start_url": reverse("visits:today"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
