"""The "dissatisfied customer" rule of the strategy library (issue #16): any dimension of the
customer's last satisfaction answer scored 2 or less, with its standard action 上门沟通、了解诉求.
Admins edit them afterwards; reversing removes them."""

from decimal import Decimal

from django.db import migrations

ACTION = (
    "visit_listen",
    "上门沟通、了解诉求",
    "上门拜访不满意的客户，当面沟通评分较低的方面，了解客户的具体诉求和原因；"
    "能当场解决的当场解决，不能解决的记录并反馈，下次拜访时告知处理结果。",
)
RULE = {
    "code": "dissatisfied",
    "name": "客户不满意",
    "kind": "dissatisfied",
    "threshold": Decimal("2"),
    "severity": "high",
    "message": "{answered_on} 满意度评价中“{dimensions}”评分最低 {lowest} 分（不高于 {threshold} 分）",
}


def seed(apps, schema_editor):
    StandardAction = apps.get_model("cycle", "StandardAction")
    WarningRule = apps.get_model("cycle", "WarningRule")
    code, name, description = ACTION
    last = StandardAction.objects.order_by("-position").values_list("position", flat=True).first()
    action, _ = StandardAction.objects.get_or_create(
        code=code, defaults={"name": name, "description": description, "position": (last or 0) + 10}
    )
    last = WarningRule.objects.order_by("-position").values_list("position", flat=True).first()
    WarningRule.objects.get_or_create(
        code=RULE["code"],
        defaults={**RULE, "action": action, "is_active": True, "position": (last or 0) + 10},
    )


def unseed(apps, schema_editor):
    apps.get_model("cycle", "WarningRule").objects.filter(code=RULE["code"]).delete()
    apps.get_model("cycle", "StandardAction").objects.filter(code=ACTION[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("cycle", "0007_warningrule_kind_dissatisfied")]

    operations = [migrations.RunPython(seed, unseed)]
