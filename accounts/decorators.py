from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Role
from .policy import role_of


def allowed_if(check: Callable[..., bool]):
    """Signed-in users for whom ``check`` (a role-level predicate of ``accounts.policy``)
    holds; anonymous users go to the login page, others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def role_required(*roles: Role):
    """Signed-in users of one of ``roles`` (superusers count as admins); others get 403."""
    return allowed_if(lambda user: role_of(user) in roles)
