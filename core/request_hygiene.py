"""Control characters in requests, handled once before anything reads the request.

PostgreSQL refuses NUL in text (psycopg raises DataError before the query is sent), so a
``%00`` anywhere a view or middleware passes on to a query used to answer 500:
``?status=%00``, ``/plans/%00/2026-12/``, a form field, even a quoted session cookie
(``sessionid="abcdefgh\\000"``: Python's cookie parser decodes the octal escape). Other C0
control characters do not break the database but have no meaning in anything typed here and
break the Excel exports (openpyxl refuses them). So this middleware, early in MIDDLEWARE
(before sessions, CSRF, authentication and the views):

- answers 400 (the project's 400 page, through the URLconf's handler400) to a request whose
  PATH holds a NUL: no URL of the site has one, and a path is not something to repair;
  other control characters in the path are let through (the database takes them; the
  lookups they feed find nothing: 404);
- strips C0 control characters and DEL, keeping tab, CR and LF (core.text), from the keys
  and values of the query string (request.GET) and of a posted form (request.POST, urlencoded
  or multipart; uploaded files' contents are untouched, their names are already reduced to
  printable characters by Django), rebuilt as immutable QueryDicts of the same encoding;
- strips them from the HTTP headers (request.META's ``HTTP_*``; django-axes stores the
  User-Agent of a failed login, django-htmx hands views the HX-* headers) and from the
  cookies (the session key is a query).

htmx requests are ordinary GETs and urlencoded POSTs (no JSON encoding extension is used), so
they are covered by the same rules. No view reads ``request.body`` or parses JSON; one that
ever does must clean its strings itself (core.text.strip_control_characters). A view that set
``request.encoding`` would make Django parse the raw query again: none does.

Forms' own CharFields already refuse NUL (Django's ProhibitNullCharactersValidator); the
stripping here also covers the views that read request.GET/POST directly and every other
control character, so nothing typed is stored with one."""

from __future__ import annotations

from contextlib import suppress

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.handlers.exception import response_for_exception
from django.http import QueryDict
from django.template.response import SimpleTemplateResponse
from django.utils import translation

from core.text import has_control_characters, strip_control_characters


class RequestHygieneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _clean_headers(request)
        if "\x00" in request.path:
            return _bad_request(request)
        request.GET = _clean_query(request.GET)
        if request.method == "POST":
            # OSError: the client went away while sending (UnreadablePostError); as CSRF
            # does, leave it to the view, which meets the same error
            with suppress(OSError):
                request.POST = _clean_query(request.POST)
        return self.get_response(request)


def _clean_headers(request) -> None:
    meta = request.META
    for key, value in list(meta.items()):
        if key.startswith("HTTP_") and isinstance(value, str) and has_control_characters(value):
            meta[key] = strip_control_characters(value)
    cookies = request.COOKIES
    if any(has_control_characters(k) or has_control_characters(v) for k, v in cookies.items()):
        request.COOKIES = {
            strip_control_characters(k): strip_control_characters(v) for k, v in cookies.items()
        }


def _clean_query(query: QueryDict) -> QueryDict:
    """``query`` itself when it is clean (the common case costs one scan), else a copy."""
    lists = list(query.lists())
    if not any(
        has_control_characters(key) or any(has_control_characters(v) for v in values)
        for key, values in lists
    ):
        return query
    clean = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in lists:
        for value in values:
            # two keys that differ only by a control character become one list
            clean.appendlist(strip_control_characters(key), strip_control_characters(value))
    clean._mutable = False  # as Django leaves request.GET/POST (its multipart parser does this)
    return clean


def _bad_request(request):
    """The 400 page in the language of the URL (/en/… in English): LocaleMiddleware, later
    in the chain, has not chosen it yet."""
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        response = response_for_exception(request, BadRequest("NUL in the request path"))
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()
    return response
