"""The first set of the strategy library (DESIGN.md §4 step 1): the standard actions and the
warning rules, on every fresh database. Admins edit them afterwards; reversing removes them."""

from decimal import Decimal

from django.db import migrations

ACTIONS = [
    (
        "visit_analyse",
        "走访了解经营变化，帮助分析原因并制定提升措施",
        "实地走访客户，了解客流、周边竞争、经营者精力和资金等变化，与客户一起分析销量变化的原因，"
        "共同制定提升措施，下次拜访时跟进效果。",
    ),
    (
        "key_customer_visit",
        "重点走访大客户，稳定经营、挽回销量",
        "对销量下滑的大客户优先安排实地拜访，必要时请市场经理陪访；了解经营变化和需求，"
        "帮助调整品类结构和陈列，稳定合作关系。",
    ),
    (
        "guide_shelf_display",
        "指导上柜陈列",
        "指导客户将重点规格上柜，按陈列标准摆放在显眼位置，做到应上尽上、陈列规范，"
        "并向客户讲解规格卖点，帮助消费者认知。",
    ),
    (
        "guide_inventory",
        "指导控制进货、加快动销",
        "和客户一起盘点库存、分析动销，指导合理订货，控制积压规格的进货；"
        "通过调整陈列位置和主动推荐加快动销。",
    ),
    (
        "promote_price_tagging",
        "宣传明码标价、引导合理定价",
        "宣传明码标价规定，向客户讲解建议零售价和价格稳定对长期经营的好处，"
        "引导客户按建议零售价合理定价，维护市场价格秩序。",
    ),
    (
        "review_forecast",
        "复核需求预测方法，与客户沟通订货计划",
        "对照实际需求复核本月预测，找出偏差原因（经营变化、节假日、货源等），改进预测方法；"
        "与客户沟通下月经营和订货计划，提高预测准确率。",
    ),
    (
        "arrange_visit",
        "安排拜访，了解客户经营和需求",
        "把客户纳入本月周安排，按拜访频率上门（或电话、网络）服务，了解经营情况和需求，"
        "如实记录拜访情况。",
    ),
]

# code, name, kind, threshold, severity, action, message
RULES = [
    (
        "growth_vs_class",
        "客户预警：成长低于同类客户",
        "growth_vs_class",
        Decimal("0.8"),
        "high",
        "visit_analyse",
        "销量环比指数 {customer_growth}（本月 {volume} 条，上月 {volume_before} 条），"
        "同类客户（{class}）为 {class_growth}，相对成长 {ratio}，低于 {threshold}",
    ),
    (
        "volume_drop",
        "客户预警：销量环比下降",
        "volume_drop",
        Decimal("0.20"),
        "high",
        "visit_analyse",
        "本月销量 {volume} 条，上月 {volume_before} 条，环比下降 {drop}，超过 {threshold}",
    ),
    (
        "large_customer_falling",
        "大客户销量下滑",
        "large_customer_falling",
        Decimal("1000"),
        "high",
        "key_customer_visit",
        "大客户销量下滑：上月 {volume_before} 条（超过 {threshold} 条），本月 {volume} 条，"
        "环比 {change}",
    ),
    (
        "key_sku_not_on_shelf",
        "重点规格未上柜",
        "key_sku_not_on_shelf",
        None,
        "medium",
        "guide_shelf_display",
        "重点规格 {sku} 在最近一次陈列检查（{checked_on}）时未上柜",
    ),
    (
        "inventory_high",
        "库存偏高",
        "inventory_high",
        Decimal("2"),
        "medium",
        "guide_inventory",
        "{sku} 库存 {stock} 条，当月销量 {volume} 条，存销比 {ratio}，超过 {threshold} 个月的销量",
    ),
    (
        "price_above_retail",
        "零售价偏高",
        "price_above_retail",
        Decimal("0.05"),
        "medium",
        "promote_price_tagging",
        "{sku} 零售价 {price} 元/条，高于建议零售价 {retail_price} 元/条 {premium}"
        "（超过 {threshold}）",
    ),
    (
        "forecast_error",
        "预测偏差",
        "forecast_error",
        Decimal("0.30"),
        "low",
        "review_forecast",
        "需求预测 {forecast} 条，实际需求 {requested} 条，预测偏差 {error}（阈值 ±{threshold}）",
    ),
    (
        "no_visit",
        "当月未拜访",
        "no_visit",
        Decimal("1"),
        "medium",
        "arrange_visit",
        "{month}有效拜访 {visits} 次，少于 {threshold} 次",
    ),
]


def seed(apps, schema_editor):
    StandardAction = apps.get_model("cycle", "StandardAction")
    WarningRule = apps.get_model("cycle", "WarningRule")
    actions = {}
    for position, (code, name, description) in enumerate(ACTIONS, start=1):
        actions[code], _ = StandardAction.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "position": position * 10},
        )
    for position, (code, name, kind, threshold, severity, action, message) in enumerate(
        RULES, start=1
    ):
        WarningRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "threshold": threshold,
                "severity": severity,
                "action": actions[action],
                "message": message,
                "is_active": True,
                "position": position * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("cycle", "WarningRule").objects.filter(code__in=[r[0] for r in RULES]).delete()
    apps.get_model("cycle", "StandardAction").objects.filter(
        code__in=[a[0] for a in ACTIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cycle", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
