"""The customer list's filters (综合分类: tier band, business format, market type; trade
area, status, visit method, manager) and sortable columns. Choices that depend on who is
looking come from the selectors."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import TIER_BANDS, BusinessFormat, CustomerStatus, MarketType, VisitMethod

PAGE_SIZES = (50, 100, 200, 500)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("客户编码或名称"))
    status = django_filters.ChoiceFilter(
        choices=CustomerStatus.choices, empty_label=_("全部状态"), label=_("状态")
    )
    tier_band = django_filters.ChoiceFilter(
        choices=[(code, label) for code, _low, _high, label in TIER_BANDS],
        method="filter_tier_band",
        empty_label=_("全部档位"),
        label=_("档位段"),
    )
    business_format = django_filters.ChoiceFilter(
        choices=BusinessFormat.choices, empty_label=_("全部业态"), label=_("经营业态")
    )
    market_type = django_filters.ChoiceFilter(
        choices=MarketType.choices, empty_label=_("城网和农网"), label=_("市场类型")
    )
    trade_area = django_filters.ChoiceFilter(choices=[], empty_label=_("全部商圈"), label=_("商圈"))
    visit_method = django_filters.ChoiceFilter(
        choices=VisitMethod.choices, empty_label=_("全部拜访方式"), label=_("拜访方式")
    )
    manager = django_filters.ModelChoiceFilter(
        queryset=None, empty_label=_("全部客户经理"), label=_("客户经理")
    )
    o = django_filters.OrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("tier", "tier"),
            ("trade_area", "trade_area"),
            ("manager__name", "manager"),
            ("visit_frequency", "visit_frequency"),
        ),
    )

    def __init__(self, data, *, queryset, managers, trade_areas, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["manager"].queryset = managers
        self.filters["trade_area"].extra["choices"] = [(a, a) for a in trade_areas]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_tier_band(self, queryset, name, value):
        for code, low, high, _label in TIER_BANDS:
            if code == value:
                return queryset.filter(tier__gte=low, tier__lte=high)
        return queryset


def list_params(query) -> dict:
    """The list's filter values with the default of showing active customers only."""
    data = query.copy()
    if "status" not in data:
        data["status"] = CustomerStatus.ACTIVE
    return data


def page_size(value: str | None) -> int:
    try:
        size = int(value or PAGE_SIZES[0])
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]
