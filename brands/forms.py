"""Input parsing for the brand manager's workspace. The forms only parse; the rules live in
brands.services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Sku, SkuStatus
from .services import NAME_MAX_LENGTH, TAR_MAX

YES_NO = [("", _("全部")), ("1", _("是")), ("0", _("否"))]
PRICE_CLASS_LABELS = [
    ("1", _("一类")),
    ("2", _("二类")),
    ("3", _("三类")),
    ("4", _("四类")),
    ("5", _("五类")),
]
PRICE_CLASSES = [("", _("全部价类")), *PRICE_CLASS_LABELS]


class SkuChoiceField(forms.ModelMultipleChoiceField):
    """Selected SKUs by id, checked in one query."""

    default_error_messages = {
        "required": _("请至少选择一个单品。"),
        "invalid_choice": _("所选单品不存在，请刷新页面。"),
        "invalid_pk_value": _("所选单品不存在，请刷新页面。"),
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Sku.objects.only("id"), **kwargs)


class CategoryField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("所选品类不存在，请刷新页面。")}

    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.all(), **kwargs)


class CategoryCreateForm(forms.Form):
    parent = CategoryField(required=False)
    name = forms.CharField(label=_("名称"), max_length=NAME_MAX_LENGTH)


class CategoryRenameForm(forms.Form):
    name = forms.CharField(label=_("新名称"), max_length=NAME_MAX_LENGTH)


class CategoryMoveForm(forms.Form):
    """``new_parent``: a node id, or ``"root"`` for the top level."""

    ROOT = "root"

    new_parent = forms.CharField(error_messages={"required": _("请选择要移到哪个品类下。")})

    def clean_new_parent(self):
        value = self.cleaned_data["new_parent"]
        if value == self.ROOT:
            return None
        category = Category.objects.filter(pk=value).first() if value.isdigit() else None
        if category is None:
            raise forms.ValidationError(_("所选品类不存在，请刷新页面。"))
        return category


class CategoryReorderForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("上移")), ("down", _("下移"))])


class MappingAssignForm(forms.Form):
    category = CategoryField(error_messages={"required": _("请先选择一个叶子品类。")})
    skus = SkuChoiceField()


class SkuSelectionForm(forms.Form):
    skus = SkuChoiceField()


class KeyBrandBulkForm(forms.Form):
    skus = SkuChoiceField()
    value = forms.TypedChoiceField(
        choices=[("1", _("标为重点品牌")), ("0", _("取消重点品牌"))],
        coerce=lambda v: v == "1",
    )


class SkuEditForm(forms.Form):
    is_key_brand = forms.BooleanField(label=_("重点品牌"), required=False)
    tar_mg = forms.DecimalField(
        label=_("焦油含量（mg）"),
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=TAR_MAX,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )


class SkuFilterForm(forms.Form):
    """The SKU list's filters; every field optional, bad values are ignored."""

    q = forms.CharField(required=False, label=_("搜索"))
    brand = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    price_class = forms.TypedChoiceField(
        required=False, choices=PRICE_CLASSES, coerce=int, empty_value=None
    )
    key = forms.TypedChoiceField(
        required=False, choices=YES_NO, coerce=lambda v: v == "1", empty_value=None
    )
    category = forms.CharField(required=False)  # a node id or "none" (unmapped)
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态")), *SkuStatus.choices])

    def __init__(self, data=None, *, brands, tree):
        super().__init__(data)
        self.tree = tree
        self.fields["brand"].choices = [("", _("全部品牌"))] + [
            (str(pk), name) for pk, name in brands
        ]

    def values(self) -> dict:
        """The filters for ``selectors.sku_list``; invalid fields count as not given."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        for name in self.errors:
            data[name] = None
        category = (data.pop("category") or "").strip()
        node = self.tree.get(category) if category != "none" else None
        return {
            "search": (data["q"] or "").strip(),
            "brand_id": data["brand"],
            "price_class": data["price_class"],
            "is_key_brand": data["key"],
            "category_ids": self.tree.subtree_ids(node.id) if node else None,
            "unmapped": category == "none",
            "status": data["status"] or None,
        }


class MappingFilterForm(forms.Form):
    leaf = forms.CharField(required=False)
    q = forms.CharField(required=False, label=_("搜索"))
    brand = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    unmapped = forms.BooleanField(required=False, label=_("只看未归类"))

    def __init__(self, data=None, *, brands, tree):
        super().__init__(data)
        self.tree = tree
        self.fields["brand"].choices = [("", _("全部品牌"))] + [
            (str(pk), name) for pk, name in brands
        ]

    def values(self) -> dict:
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        for name in self.errors:
            data[name] = None
        leaf = self.tree.get(data["leaf"])
        return {
            "leaf": leaf if leaf is not None and leaf.is_leaf else None,
            "search": (data["q"] or "").strip(),
            "brand_id": data["brand"],
            "unmapped": bool(data["unmapped"]),
        }
