"""The SKU list, bulk key-brand flags and one SKU's edit page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.policy import can_edit_catalog
from core.xlsx import xlsx_response

from .. import services
from ..exports import dated, sku_workbook
from ..forms import (
    KeyBrandBulkForm,
    SkuEditForm,
    SkuFilterForm,
)
from ..selectors import (
    brand_choices,
    category_tree,
    sku_changes,
    sku_export_rows,
    sku_get,
    sku_list,
    with_category_paths,
)
from .common import PAGE_SIZE, editors_only, page_template, page_url, posted_query, run

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
        "list_url": page_url("brands:sku_list", query),
        "export_url": page_url("brands:sku_export", _without_page(query)),
        "can_edit": can_edit_catalog(request.user),
    }


def _without_page(query: QueryDict) -> QueryDict:
    filters = query.copy()
    filters.pop("page", None)
    return filters


def _sku_list_page(request: HttpRequest, query: QueryDict) -> HttpResponse:
    if request.method == "POST" and not request.htmx:
        return redirect(page_url("brands:sku_list", query))
    context = _sku_list_context(request, query)
    return render(request, page_template(request, "brands/sku_list.html", "table"), context)


@login_required
def sku_index(request):
    return _sku_list_page(request, request.GET)


@login_required
@require_GET
def sku_export(request):
    """The SKU list as the page shows it (same filters, every page) as an xlsx download."""
    tree = category_tree()
    form = SkuFilterForm(request.GET, brands=brand_choices(), tree=tree)
    content = sku_workbook(sku_export_rows(tree=tree, **form.values()))
    return xlsx_response(content, dated(_("卷烟规格")))


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

    run(request, form, action)
    return _sku_list_page(request, posted_query(request))


def _backurl(request: HttpRequest) -> str:
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
    back = _backurl(request)
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
                return redirect(page_url("brands:sku_edit", {"next": back}, pk=sku.pk))
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
    return redirect(page_url("brands:sku_edit", {"next": _backurl(request)}, pk=sku.pk))
