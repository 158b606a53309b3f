"""Chinese is the source language; English must be complete and compiled."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="gettext is not installed")
@pytest.mark.parametrize("flag", ["--untranslated", "--only-fuzzy"])
def test_english_catalogue_is_complete(flag):
    result = subprocess.run(
        ["msgattrib", flag, str(PO)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{flag} entries in {PO}:\n{result.stdout}"


def test_english_is_compiled_and_active():
    with translation.override("en"):
        assert translation.gettext("我的客户") == "My customers"
        assert translation.pgettext("list", "客户") == "Customers"
    with translation.override("zh-hans"):
        assert translation.gettext("我的客户") == "我的客户"
