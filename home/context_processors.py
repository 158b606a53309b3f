from accounts.policy import role_of
from cycle.selectors import feed_unread_total

from .navigation import MENUS, menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = any(item.counts_unread for item in MENUS.get(role_of(user), []))
    unread = feed_unread_total(user=user) if counts else 0
    return {"nav_items": menu_for(user, request.path, unread=unread)}
