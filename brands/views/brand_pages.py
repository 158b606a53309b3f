"""The brand list and one brand's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.policy import can_edit_catalog
from core.xlsx import xlsx_response

from ..exports import brand_workbook, dated
from ..selectors import (
    brand_get,
    brand_list,
    brand_skus,
    category_tree,
    with_category_paths,
)
from .common import page_template, page_url

# --- brands -----------------------------------------------------------------------------------


@login_required
def brand_index(request):
    search = request.GET.get("q", "").strip()
    context = {
        "brands": brand_list(search=search),
        "search": search,
        "export_url": page_url("brands:brand_export", {"q": search}),
    }
    return render(request, page_template(request, "brands/brand_list.html", "table"), context)


@login_required
@require_GET
def brand_export(request):
    """The brand list with the page's search as an xlsx download."""
    brands = brand_list(search=request.GET.get("q", "").strip())
    return xlsx_response(brand_workbook(brands), dated(_("品牌")))


@login_required
def brand_detail(request, pk: int):
    brand = brand_get(pk=pk)
    context = {
        "brand": brand,
        "skus": with_category_paths(brand_skus(brand=brand), category_tree()),
        "can_edit": can_edit_catalog(request.user),
    }
    return render(request, "brands/brand_detail.html", context)
