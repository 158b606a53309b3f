"""What every page of the brand manager's workspace shares: the editors' gate, running a
form's service call with its message, and the URLs of filtered pages."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from accounts.decorators import allowed_if
from accounts.policy import can_edit_catalog

PAGE_SIZE = 50
editors_only = allowed_if(can_edit_catalog)


def page_template(request: HttpRequest, template: str, partial: str) -> str:
    return f"{template}#{partial}" if request.htmx else template


def run(request: HttpRequest, form, action: Callable[[dict], str]) -> bool:
    """Validate ``form``, run the service call ``action`` and queue its message (the success
    text ``action`` returns, or the errors). Returns whether it succeeded."""
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return False
    try:
        text = action(form.cleaned_data)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return False
    messages.success(request, text)
    return True


def posted_query(request: HttpRequest) -> QueryDict:
    """The filters of the page a form was posted from: with htmx the browser's current URL
    (filters changed in place are pushed there), otherwise the hidden field ``query``."""
    if request.htmx and request.htmx.current_url:
        return QueryDict(urlsplit(request.htmx.current_url).query)
    return QueryDict(request.POST.get("query", ""))


def page_url(name: str, query: QueryDict | dict | None = None, **kwargs) -> str:
    url = reverse(name, kwargs=kwargs or None)
    if query:
        encoded = query.urlencode() if isinstance(query, QueryDict) else encode(query)
        if encoded:
            url = f"{url}?{encoded}"
    return url


def encode(params: dict) -> str:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if value not in (None, ""):
            query[key] = str(value)
    return query.urlencode()
