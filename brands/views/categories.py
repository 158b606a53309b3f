"""The category tree (品类结构): the page and its writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import replace_url

from accounts.policy import can_edit_catalog

from .. import services
from ..forms import (
    CategoryCreateForm,
    CategoryMoveForm,
    CategoryRenameForm,
    CategoryReorderForm,
)
from ..selectors import (
    category_find,
    category_tree,
)
from .common import editors_only, page_template, page_url, run

# --- category tree ----------------------------------------------------------------------------


def _category_context(request: HttpRequest, selected) -> dict:
    tree = category_tree()
    node = tree.get(selected)
    return {
        "tree": tree,
        "selected": node,
        "move_targets": tree.move_targets(node) if node else [],
        "can_edit": can_edit_catalog(request.user),
    }


def _node_action(request: HttpRequest, pk: int, node, form, action) -> HttpResponse:
    """Run ``action`` on a node that may have been deleted meanwhile, then re-render."""
    if node is None:
        messages.error(request, _("该品类已被删除。"))
    else:
        run(request, form, action)
    return _category_page(request, pk)


def _category_page(request: HttpRequest, selected) -> HttpResponse:
    """The tree page with ``selected`` open; after a POST without htmx, a redirect to it."""
    if request.method == "POST" and not request.htmx:
        url = page_url("brands:categories", {"node": selected})
        return redirect(f"{url}#node-{selected}" if selected else url)
    context = _category_context(request, selected)
    node = context["selected"]
    response = render(
        request, page_template(request, "brands/categories.html", "workspace"), context
    )
    if request.method == "POST":
        replace_url(response, page_url("brands:categories", {"node": node.id if node else None}))
    return response


@login_required
def category_index(request):
    return _category_page(request, request.GET.get("node"))


@editors_only
@require_POST
def category_create(request):
    form = CategoryCreateForm(request.POST)
    created = {}

    def action(data):
        node = services.category_create(parent=data["parent"], name=data["name"], by=request.user)
        created["node"] = node
        return _("已添加品类「%(name)s」。") % {"name": node.name}

    ok = run(request, form, action)
    parent = form.cleaned_data.get("parent")
    if ok:
        selected = parent.pk if parent else created["node"].pk
    else:
        selected = request.POST.get("selected", "")
        selected = parent.pk if parent else (int(selected) if selected.isdigit() else None)
    return _category_page(request, selected)


@editors_only
@require_POST
def category_rename(request, pk: int):
    node = category_find(pk=pk)
    form = CategoryRenameForm(request.POST)

    def action(data):
        old = node.name
        services.category_rename(node=node, name=data["name"], by=request.user)
        return _("已把「%(old)s」改名为「%(new)s」。") % {"old": old, "new": node.name}

    return _node_action(request, pk, node, form, action)


@editors_only
@require_POST
def category_move(request, pk: int):
    node = category_find(pk=pk)
    form = CategoryMoveForm(request.POST)

    def action(data):
        target = data["new_parent"]
        services.category_move(node=node, new_parent=target, by=request.user)
        if target is None:
            return _("已把「%(name)s」移为一级品类。") % {"name": node.name}
        return _("已把「%(name)s」移到「%(target)s」下。") % {
            "name": node.name,
            "target": target.name,
        }

    return _node_action(request, pk, node, form, action)


@editors_only
@require_POST
def category_reorder(request, pk: int):
    node = category_find(pk=pk)
    form = CategoryReorderForm(request.POST)

    def action(data):
        services.category_reorder(node=node, direction=data["direction"], by=request.user)
        if data["direction"] == "up":
            return _("已把「%(name)s」上移。") % {"name": node.name}
        return _("已把「%(name)s」下移。") % {"name": node.name}

    return _node_action(request, pk, node, form, action)


@editors_only
@require_POST
def category_delete(request, pk: int):
    node = category_find(pk=pk)
    if node is None:
        messages.error(request, _("该品类已被删除。"))
        return _category_page(request, None)
    try:
        services.category_delete(node=node, by=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return _category_page(request, pk)
    messages.success(request, _("已删除品类「%(name)s」。") % {"name": node.name})
    return _category_page(request, node.parent_id)
