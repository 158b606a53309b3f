"""The error views of config/urls.py (handler400/403/404/500).

400, 403 and 404 are Django's own views, run in the language of the URL: a request refused
before LocaleMiddleware has run (core.request_hygiene, a bad Host header) would otherwise get
whatever language the worker thread served last.

The 500 page and the database-outage page render 500.html / 503.html with no request
context: the context processors would load the session and the user and count unread feed
items, i.e. query the very database that may be what failed. base.html renders without them
(no menu, no language switch).

Why the outage page hangs off handler500 rather than a middleware: Django wraps every
middleware in ``convert_exception_to_response``, so no exception crosses a middleware
boundary (a try/except in ``__call__`` sees none) and ``process_exception`` sees only the
view's, not a session that fails to save on the way out. Every uncaught exception, wherever
raised, ends in handler500 while still being handled; Django logs it there with its traceback
("Service Unavailable: /login/").
"""

import sys
from functools import wraps

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.views import defaults

# A refused or dropped connection comes as one of these (psycopg's errors wrapped by Django).
DATABASE_DOWN = (OperationalError, InterfaceError)
# Seconds a browser or proxy is told to wait before asking again.
RETRY_AFTER_SECONDS = 30


def caused_by_database(exc: BaseException | None) -> bool:
    """True when ``exc``, or an exception it was raised from or during, is a connection
    failure (code may re-raise a database error as its own)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_DOWN):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def page_language(request: HttpRequest) -> str:
    """The language LocaleMiddleware picks for this URL (/en/… English, anything else the
    default), worked out again because the failure may have come before that middleware."""
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def in_page_language(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with translation.override(page_language(request)):
            return view(request, *args, **kwargs)

    return wrapped


bad_request = in_page_language(defaults.bad_request)
permission_denied = in_page_language(defaults.permission_denied)
page_not_found = in_page_language(defaults.page_not_found)


def render_without_database(request: HttpRequest, template_name: str, *, status: int):
    with translation.override(page_language(request)):
        body = loader.render_to_string(template_name)
    return HttpResponse(body, status=status)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    response = render_without_database(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if caused_by_database(sys.exc_info()[1]):
        return database_unavailable(request)
    return render_without_database(request, "500.html", status=500)
