"""The forms of issue #14 point 4 as a person sees them, on a phone and a desktop: the brand
task's targeting as tappable chips with a live count, and the SKU edit page's key-brand
checkbox sitting with its label (it once floated in ~190 px of blank space)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Role
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    CustomerManagerFactory,
    SkuFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def catalogue():
    UserFactory(username="bm", name="白经理", role=Role.BRAND_MANAGER)
    sku = SkuFactory(
        name="云烟(紫)", brand=BrandFactory(name="云烟"), is_key_brand=True, tar_mg=Decimal("10")
    )
    owners = [CustomerManagerFactory(username=f"cm{n}") for n in range(2)]
    for n in range(5):
        CustomerFactory(
            manager=owners[n % 2],
            business_format="convenience" if n < 3 else "catering",
            trade_area="火车站商圈" if n % 2 else "大学城",
        )
    return {"sku": sku}


@pytest.mark.parametrize("width", [375, 1280])
def test_the_key_brand_checkbox_sits_with_its_label(sign_in, catalogue, width):
    page = sign_in("bm", width=width).page
    page.goto(f"/brands/skus/{catalogue['sku'].pk}/edit/")
    field = page.locator(".field", has=page.locator("#id_is_key_brand"))
    label = field.locator("label.check")
    box, label_box = field.bounding_box(), label.bounding_box()
    assert box["height"] < 100, box  # the label and one or two lines of help
    assert 40 <= label_box["height"] <= 52, label_box  # a ≥ 44 px target, no blank space
    checkbox = page.locator("#id_is_key_brand").bounding_box()
    text = label.locator("span").bounding_box()
    assert 0 <= text["x"] - (checkbox["x"] + checkbox["width"]) < 16  # side by side
    tar = page.locator("label[for=id_tar_mg]").bounding_box()
    assert tar["y"] - (box["y"] + box["height"]) < 40  # the next field follows at once
    label.click()
    expect(page.locator("#id_is_key_brand")).not_to_be_checked()  # the whole label toggles


def test_targeting_chips_count_live_on_a_phone(sign_in, catalogue):
    session = sign_in("bm", width=375)
    page = session.page
    page.goto("/brand-tasks/")
    count = page.locator("#match-count")
    expect(count).to_have_text("将推送给 2 位客户经理，覆盖 5 户客户")  # nothing ticked: all
    chip = page.locator("label.chip", has_text="便利店")
    chip_box = chip.bounding_box()
    assert chip_box["height"] >= 44 and chip_box["x"] + chip_box["width"] <= 375
    chip.click()
    expect(count).to_have_text("将推送给 2 位客户经理，覆盖 3 户客户")
    page.locator("label.chip", has_text="火车站商圈").click()
    expect(count).to_have_text("将推送给 1 位客户经理，覆盖 1 户客户")
    page.locator("label.chip", has_text="便利店").click()  # untick
    expect(count).to_have_text("将推送给 1 位客户经理，覆盖 2 户客户")
    # nothing runs off the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert [e for e in session.errors if "favicon.ico" not in e] == []
