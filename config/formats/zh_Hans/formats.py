# Django's zh_Hans formats leave numbers ungrouped; sales figures run to millions of
# cartons and yuan, and Chinese business documents group them by thousands.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
