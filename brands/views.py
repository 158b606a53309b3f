"""The brand manager's workspace: category tree, SKU ↔ leaf mapping, SKUs, brands.

Read pages are open to every signed-in role; writes are POST-only and limited to brand
managers and admins. Every write works with htmx (the page's partial comes back with the
message) and without JavaScript (POST → redirect → GET)."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import replace_url

from accounts.decorators import role_required

from . import services
from .forms import (
    CategoryCreateForm,
    CategoryMoveForm,
    CategoryRenameForm,
    CategoryReorderForm,
    KeyBrandBulkForm,
    MappingAssignForm,
    MappingFilterForm,
    SkuEditForm,
    SkuFilterForm,
    SkuSelectionForm,
)
from .permissions import CATALOG_EDITORS, can_edit_catalog
from .selectors import (
    brand_choices,
    brand_get,
    brand_list,
    brand_skus,
    category_find,
    category_skus,
    category_tree,
    sku_changes,
    sku_get,
    sku_list,
    unmapped_sku_count,
    with_category_paths,
)

PAGE_SIZE = 50
editors_only = role_required(*CATALOG_EDITORS)


# --- shared -----------------------------------------------------------------------------------


def _page_template(request: HttpRequest, template: str, partial: str) -> str:
    return f"{template}#{partial}" if request.htmx else template


def _run(request: HttpRequest, form, action: Callable[[dict], str]) -> bool:
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


def _posted_query(request: HttpRequest) -> QueryDict:
    """The filters of the page a form was posted from: with htmx the browser's current URL
    (filters changed in place are pushed there), otherwise the hidden field ``query``."""
    if request.htmx and request.htmx.current_url:
        return QueryDict(urlsplit(request.htmx.current_url).query)
    return QueryDict(request.POST.get("query", ""))


def _url(name: str, query: QueryDict | dict | None = None, **kwargs) -> str:
    url = reverse(name, kwargs=kwargs or None)
    if query:
        encoded = query.urlencode() if isinstance(query, QueryDict) else _encode(query)
        if encoded:
            url = f"{url}?{encoded}"
    return url


def _encode(params: dict) -> str:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if value not in (None, ""):
            query[key] = str(value)
    return query.urlencode()


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
        _run(request, form, action)
    return _category_page(request, pk)


def _category_page(request: HttpRequest, selected) -> HttpResponse:
    """The tree page with ``selected`` open; after a POST without htmx, a redirect to it."""
    if request.method == "POST" and not request.htmx:
        url = _url("brands:categories", {"node": selected})
        return redirect(f"{url}#node-{selected}" if selected else url)
    context = _category_context(request, selected)
    node = context["selected"]
    response = render(
        request, _page_template(request, "brands/categories.html", "workspace"), context
    )
    if request.method == "POST":
        replace_url(response, _url("brands:categories", {"node": node.id if node else None}))
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

    ok = _run(request, form, action)
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


# --- SKU ↔ leaf mapping -----------------------------------------------------------------------


def _mapping_context(request: HttpRequest, query: QueryDict) -> dict:
    tree = category_tree()
    form = MappingFilterForm(query, brands=brand_choices(), tree=tree)
    filters = form.values()
    leaf = filters.pop("leaf")
    candidates = sku_list(**filters)
    if leaf is not None:
        candidates = candidates.exclude(category_id=leaf.id)
    page = Paginator(candidates, PAGE_SIZE).get_page(query.get("page"))
    return {
        "form": form,
        "tree": tree,
        "leaves": tree.leaves(),
        "leaf": leaf,
        "leaf_skus": category_skus(category_id=leaf.id) if leaf else [],
        "page": page,
        "candidates": with_category_paths(page, tree),
        "unmapped_count": unmapped_sku_count(),
        "query": query,
        "can_edit": can_edit_catalog(request.user),
    }


def _mapping_page(request: HttpRequest, query: QueryDict) -> HttpResponse:
    if request.method == "POST" and not request.htmx:
        return redirect(_url("brands:mapping", query))
    partial = "workspace"
    if request.method == "GET" and request.htmx and request.htmx.target == "mapping-candidates":
        partial = "candidates"
    context = _mapping_context(request, query)
    return render(request, _page_template(request, "brands/mapping.html", partial), context)


@login_required
def mapping_index(request):
    return _mapping_page(request, request.GET)


@editors_only
@require_POST
def mapping_assign(request):
    form = MappingAssignForm(request.POST)

    def action(data):
        leaf = data["category"]
        count = services.sku_map_to_category(skus=data["skus"], category=leaf, by=request.user)
        if not count:
            return _("所选单品已在「%(name)s」中。") % {"name": leaf.name}
        return _("已把 %(count)s 个单品归入「%(name)s」。") % {"count": count, "name": leaf.name}

    _run(request, form, action)
    return _mapping_page(request, _posted_query(request))


@editors_only
@require_POST
def mapping_unmap(request):
    form = SkuSelectionForm(request.POST)

    def action(data):
        count = services.sku_unmap(skus=data["skus"], by=request.user)
        return _("已取消 %(count)s 个单品的归类。") % {"count": count}

    _run(request, form, action)
    return _mapping_page(request, _posted_query(request))


# --- SKUs -------------------------------------------------------------------------------------


def _sku_list_context(request: HttpRequest, query: QueryDict) -> dict:
    tree = category_tree()
    form = SkuFilterForm(query, brands=brand_choices(), tree=tree)
    skus = sku_list(**form.values())
    page = Paginator(skus, PAGE_SIZE).get_page(query.get("page"))
    return {
        "form": form,
        "tree": tree,
        "page": page,
        "skus": with_category_paths(page, tree),
        "query": query,
        "list_url": _url("brands:sku_list", query),
        "can_edit": can_edit_catalog(request.user),
    }


def _sku_list_page(request: HttpRequest, query: QueryDict) -> HttpResponse:
    if request.method == "POST" and not request.htmx:
        return redirect(_url("brands:sku_list", query))
    context = _sku_list_context(request, query)
    return render(request, _page_template(request, "brands/sku_list.html", "table"), context)


@login_required
def sku_index(request):
    return _sku_list_page(request, request.GET)


@editors_only
@require_POST
def sku_key_brand(request):
    form = KeyBrandBulkForm(request.POST)

    def action(data):
        count = services.sku_bulk_set_key_brand(
            skus=data["skus"], value=data["value"], by=request.user
        )
        if data["value"]:
            return _("已把 %(count)s 个单品标为重点品牌。") % {"count": count}
        return _("已取消 %(count)s 个单品的重点品牌标记。") % {"count": count}

    _run(request, form, action)
    return _sku_list_page(request, _posted_query(request))


def _back_url(request: HttpRequest) -> str:
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return reverse("brands:sku_list")


@editors_only
@require_http_methods(["GET", "POST"])
def sku_edit(request, pk: int):
    sku = sku_get(pk=pk)
    back = _back_url(request)
    if request.method == "POST":
        form = SkuEditForm(request.POST)
        if form.is_valid():
            try:
                changed = services.sku_update(
                    sku=sku,
                    is_key_brand=form.cleaned_data["is_key_brand"],
                    tar_mg=form.cleaned_data["tar_mg"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if changed:
                    messages.success(request, _("已保存「%(sku)s」。") % {"sku": sku})
                else:
                    messages.info(request, _("没有改动。"))
                return redirect(_url("brands:sku_edit", {"next": back}, pk=sku.pk))
    else:
        form = SkuEditForm(initial={"is_key_brand": sku.is_key_brand, "tar_mg": sku.tar_mg})
    context = {
        "sku": sku,
        "form": form,
        "back": back,
        "category_path": category_tree().path(sku.category_id),
        "changes": sku_changes(sku=sku),
    }
    return render(request, "brands/sku_edit.html", context)


@editors_only
@require_POST
def sku_reset_tar(request, pk: int):
    sku = sku_get(pk=pk)
    try:
        services.sku_reset_tar(sku=sku, by=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, _("焦油含量已恢复为导入值 %(tar)s mg。") % {"tar": sku.tar_mg})
    return redirect(_url("brands:sku_edit", {"next": _back_url(request)}, pk=sku.pk))


# --- brands -----------------------------------------------------------------------------------


@login_required
def brand_index(request):
    search = request.GET.get("q", "").strip()
    context = {"brands": brand_list(search=search), "search": search}
    return render(request, _page_template(request, "brands/brand_list.html", "table"), context)


@login_required
def brand_detail(request, pk: int):
    brand = brand_get(pk=pk)
    context = {
        "brand": brand,
        "skus": with_category_paths(brand_skus(brand=brand), category_tree()),
        "can_edit": can_edit_catalog(request.user),
    }
    return render(request, "brands/brand_detail.html", context)
