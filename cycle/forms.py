from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from brands.models import Sku
from core.month_field import MonthField
from core.tabular.upload_checks import check_upload
from customers.models import TIER_BANDS, BusinessFormat, MarketType

from .models import (
    ACTION_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    ArrangementTarget,
    Cycle,
    StandardAction,
)
from .models.visits import IMPROVEMENT_MAX_LENGTH
from .services.workflow import COMMENT_MAX_LENGTH


class GoalsForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = ["goal_volume", "goal_coverage", "goal_visits", "goal_gross_profit", "focus"]
        widgets = {
            "goal_volume": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "goal_coverage": forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.1"}),
            "goal_visits": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "goal_gross_profit": forms.NumberInput(
                attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}
            ),
            "focus": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "focus": _("本月要抓的几件事，如重点客户、重点品牌、市场问题。"),
            "goal_gross_profit": _("可选：辖区客户的毛利估算合计，月底与指标对比。"),
        }


class ActionAddForm(forms.Form):
    customer = forms.IntegerField(label=_("客户"))
    standard_action = forms.ModelChoiceField(
        label=_("标准动作"),
        queryset=StandardAction.objects.filter(is_active=True),
        required=False,
        empty_label=_("（自定义内容）"),
    )
    text = forms.CharField(label=_("动作内容"), max_length=ACTION_TEXT_MAX_LENGTH, required=False)


class ActionEditForm(forms.Form):
    text = forms.CharField(label=_("动作内容"), max_length=ACTION_TEXT_MAX_LENGTH)
    visit_date = forms.DateField(label=_("拜访日"), required=False)


class ActionRemoveForm(forms.Form):
    reason = forms.CharField(label=_("删除原因"), max_length=200)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DayForm(forms.Form):
    customers = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, customer_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customers"].choices = [(pk, pk) for pk in customer_ids]


class ForecastCellForm(forms.Form):
    quantity = forms.IntegerField(label=_("预测量（条）"), required=False, min_value=0)


class ForecastImportForm(forms.Form):
    file = forms.FileField(
        label=_("预测文件"),
        help_text=_("CSV 或 Excel（.xlsx），列：客户编码、预测量；可选“月份”列须为计划月份。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(
            upload,
            max_bytes=settings.FORECAST_IMPORT_MAX_BYTES,
            max_unzipped_bytes=settings.FORECAST_IMPORT_MAX_UNZIPPED_BYTES,
        )
        return upload


class EntryForm(forms.Form):
    text = forms.CharField(
        label=_("内容"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ArrangementForm(EntryForm):
    target = forms.ChoiceField(label=_("安排到"), choices=ArrangementTarget.choices)
    month = MonthField(label=_("目标月份"))
    date = forms.DateField(
        label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


CHECKBOXES = forms.CheckboxSelectMultiple


class BrandTaskCriteriaForm(forms.Form):
    """Whom a brand task targets: checkboxes (shown as chips), every criterion optional —
    none ticked does not narrow. The task form and its live count both read these."""

    trade_areas = forms.MultipleChoiceField(
        label=_("商圈"), required=False, choices=(), widget=CHECKBOXES
    )
    business_formats = forms.MultipleChoiceField(
        label=_("经营业态"), required=False, choices=BusinessFormat.choices, widget=CHECKBOXES
    )
    tier_bands = forms.MultipleChoiceField(
        label=_("档位段"),
        required=False,
        choices=[(code, label) for code, _low, _high, label in TIER_BANDS],
        widget=CHECKBOXES,
    )
    market_types = forms.MultipleChoiceField(
        label=_("市场类型"), required=False, choices=MarketType.choices, widget=CHECKBOXES
    )

    CRITERIA = ("trade_areas", "business_formats", "tier_bands", "market_types")

    def __init__(self, *args, trade_areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trade_areas"].choices = [(t, t) for t in trade_areas]

    def criteria_fields(self):
        return [self[name] for name in self.CRITERIA]


class BrandTaskForm(BrandTaskCriteriaForm):
    sku = forms.ModelChoiceField(
        label=_("重点单品"),
        queryset=Sku.objects.filter(is_key_brand=True, status="active").order_by("code"),
        empty_label=_("请选择单品"),
    )
    month = MonthField(label=_("目标月份"))
    content = forms.CharField(
        label=_("任务内容"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = ["sku", "month", *BrandTaskCriteriaForm.CRITERIA, "content"]


class ProblemsForm(forms.Form):
    """The problems and their causes, written on the analysis page into the next plan."""

    month = MonthField(label=_("月份"))
    problems = forms.CharField(
        label=_("问题与原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("针对本月预警和市场状态，写下主要问题及其原因，作为制定月计划的依据。"),
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(required=False, max_length=TEXT_MAX_LENGTH)


class ImprovementForm(forms.Form):
    """What the add form sends; the service says what is missing or wrong."""

    kind = forms.CharField(required=False)
    text = forms.CharField(required=False, max_length=IMPROVEMENT_MAX_LENGTH)
    due = forms.DateField(required=False)
    customer = forms.CharField(required=False, max_length=200)
    sku = forms.IntegerField(required=False)


class ImprovementEditForm(forms.Form):
    text = forms.CharField(required=False, max_length=IMPROVEMENT_MAX_LENGTH)
    due = forms.DateField(required=False)


# --- rule tuning (issue #17 point 3) ------------------------------------------------------


class ThresholdForm(forms.Form):
    """A warning rule's threshold on its tuning page: what the preview runs with and what
    saving sets. ``expected``: the threshold the page showed (a stale tab is refused)."""

    threshold = forms.DecimalField(
        label=_("新阈值"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=4,
        error_messages={
            "invalid": _("请输入数字，如 0.8。"),
            "min_value": _("阈值不能小于 0。"),
            "max_digits": _("数字太长：最多 12 位，其中小数 4 位。"),
            "max_decimal_places": _("最多 4 位小数。"),
            "max_whole_digits": _("数字太大。"),
        },
    )
    expected = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, needs_threshold: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_threshold = needs_threshold

    def clean_threshold(self):
        value = self.cleaned_data["threshold"]
        if value is None and self.needs_threshold:
            raise forms.ValidationError(_("该预警条件需要阈值。"))
        return value
