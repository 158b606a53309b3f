"""Who may change the catalogue (DESIGN.md §2): brand managers and admins."""

from accounts.models import Role

CATALOG_EDITORS = (Role.BRAND_MANAGER, Role.ADMIN)


def can_edit_catalog(user) -> bool:
    """For templates: whether to show the write controls. Views enforce it with
    ``role_required(*CATALOG_EDITORS)``."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.role in CATALOG_EDITORS
