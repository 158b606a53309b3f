from .policy import Can


def access(request):
    """``can``: the access policy's role-level answers for templates (``can.edit_catalog``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can": Can(user)}
