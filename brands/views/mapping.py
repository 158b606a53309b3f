"""Mapping SKUs to leaf categories (单品归类): the page and its writes."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import can_edit_catalog

from .. import services
from ..forms import (
    MappingAssignForm,
    MappingFilterForm,
    SkuSelectionForm,
)
from ..selectors import (
    brand_choices,
    category_skus,
    category_tree,
    sku_list,
    unmapped_sku_count,
    with_category_paths,
)
from .common import PAGE_SIZE, editors_only, page_template, page_url, posted_query, run

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
        return redirect(page_url("brands:mapping", query))
    partial = "workspace"
    if request.method == "GET" and request.htmx and request.htmx.target == "mapping-candidates":
        partial = "candidates"
    context = _mapping_context(request, query)
    return render(request, page_template(request, "brands/mapping.html", partial), context)


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

    run(request, form, action)
    return _mapping_page(request, posted_query(request))


@editors_only
@require_POST
def mapping_unmap(request):
    form = SkuSelectionForm(request.POST)

    def action(data):
        count = services.sku_unmap(skus=data["skus"], by=request.user)
        return _("已取消 %(count)s 个单品的归类。") % {"count": count}

    run(request, form, action)
    return _mapping_page(request, posted_query(request))
