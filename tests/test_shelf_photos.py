"""Shelf photos (货架照片, issue #18 point 2): what a photo must be to be kept, what it becomes,
the idempotent replay of an upload, where photos show, and who may see them."""

from __future__ import annotations

import datetime as dt
import io
import struct
import uuid
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.images import MAX_BYTES, MAX_SIDE, THUMB_SIDE, photo_process
from core.months import day_bounds, month_start
from cycle.models import EvaluationStatus, ShelfPhoto, Visit
from cycle.services import NotAllowedNow, shelf_photo_add
from tests.factories import CustomerFactory, CycleFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 64_000_000}


# --- images made for the tests ------------------------------------------------------------


def encoded(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noisy(width: int, height: int) -> Image.Image:
    """A photo-like picture that compresses badly (noise): the hard case for 300 KB."""
    return Image.merge("RGB", [Image.effect_noise((width, height), 70) for _ in range(3)])


def upload(data: bytes, name: str = "shelf.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def process(data: bytes, **limits):
    return photo_process(upload(data), **(LIMITS | limits))


def refused(data: bytes, **limits) -> str:
    with pytest.raises(ValidationError) as caught:
        process(data, **limits)
    return " ".join(caught.value.messages)


def png_declaring(width: int, height: int) -> bytes:
    """A valid tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression
    bomb's shape: a few bytes that would decode into gigabytes)."""
    real = encoded(Image.new("L", (8, 8)), "PNG")
    ihdr_at = 8  # after the signature: length (4) + b"IHDR" + 13 bytes + CRC (4)
    body = struct.pack(">II", width, height) + real[ihdr_at + 16 : ihdr_at + 8 + 13]
    chunk = b"IHDR" + body
    header = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return real[:ihdr_at] + header + real[ihdr_at + 8 + 13 + 4 :]


# --- what a photo must be -----------------------------------------------------------------


def test_a_big_noisy_photo_becomes_at_most_1600_px_and_300_kb_with_a_thumbnail():
    source = encoded(noisy(2400, 1800), quality=95)
    assert len(source) > 4 * MAX_BYTES
    result = process(source)
    assert len(result.image) <= MAX_BYTES
    photo = Image.open(io.BytesIO(result.image))
    assert photo.format == "JPEG" and photo.size == (result.width, result.height)
    # noise is the worst case: it may also lose pixels to fit, never its proportions
    assert max(photo.size) <= MAX_SIDE and abs(photo.width / photo.height - 4 / 3) < 0.01
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == THUMB_SIDE and thumb.size == (320, 240)
    assert len(result.thumbnail) < len(result.image)


def test_a_12_megapixel_photo_becomes_1600_px_on_its_long_side():
    camera = Image.linear_gradient("L").resize((3000, 4000)).convert("RGB")
    result = process(encoded(camera, quality=92))
    assert (result.width, result.height) == (1200, 1600) and len(result.image) <= MAX_BYTES


def test_a_small_photo_keeps_its_size():
    result = process(encoded(Image.new("RGB", (640, 480), (200, 30, 30))))
    assert (result.width, result.height) == (640, 480)


def test_the_exif_orientation_is_applied_and_every_metadata_dropped():
    """A phone stores a portrait photo as landscape pixels with Orientation=6 (and the GPS
    position): the kept photo is upright and carries no EXIF at all."""
    image = Image.new("RGB", (400, 200), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 100, 200))  # the left quarter red
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x8825] = {2: (36.0, 3.0, 40.0), 4: (103.0, 50.0, 0.0)}  # GPS latitude, longitude
    result = process(encoded(image, exif=exif.tobytes()))
    photo = Image.open(io.BytesIO(result.image))
    assert photo.size == (200, 400)  # portrait now
    top = photo.convert("RGB").getpixel((100, 20))
    assert top[0] > 200 and top[1] < 60  # the red quarter is now at the top
    assert not photo.getexif() and "exif" not in photo.info


def test_a_png_named_jpeg_is_read_as_what_it_is_and_kept_as_a_jpeg():
    """The content decides, never the name or the declared type."""
    result = photo_process(
        upload(encoded(Image.new("RGBA", (300, 200), (0, 0, 255, 128)), "PNG")),
        **LIMITS,
    )
    assert result.source_format == "PNG"
    assert result.image[:3] == b"\xff\xd8\xff"  # a JPEG, transparency flattened


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "SVG"),
        (b"GIF89a" + b"\x00" * 100, "无法识别"),
        (b"%PDF-1.7\n" + b"x" * 100, "无法识别"),
        (b"just text pretending to be a photo", "无法识别"),
    ],
)
def test_svg_html_and_other_files_named_jpeg_are_refused(data, why):
    assert why in refused(data)


def test_a_gif_is_not_a_photo():
    assert "无法识别" in refused(encoded(Image.new("P", (10, 10)), "GIF"))


def test_a_decompression_bomb_is_refused_before_anything_is_decoded():
    bomb = png_declaring(60_000, 60_000)  # 3.6 billion pixels in under 100 bytes
    assert len(bomb) < 200
    assert "像素过多" in refused(bomb)


def test_more_pixels_than_the_limit_are_refused():
    data = encoded(Image.new("RGB", (1200, 1000)))
    assert "像素过多" in refused(data, max_pixels=1_000_000)
    assert process(data, max_pixels=1_200_000).width == 1200


@pytest.mark.parametrize("lenient", [False, True])
def test_a_truncated_photo_is_refused(lenient, monkeypatch):
    """Also when Pillow was told to load truncated images (WeasyPrint does, on import)."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    data = encoded(noisy(800, 600), quality=90)
    assert "损坏" in refused(data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is lenient  # left as it was


def test_a_file_over_the_upload_limit_is_refused_by_its_size():
    data = encoded(Image.new("RGB", (100, 100)))
    message = refused(data, max_bytes=len(data) - 1)
    assert "照片太大" in message and "上限" in message


def test_an_empty_file_is_refused():
    assert "空的" in refused(b"")


# --- the service --------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def visit_day(two_teams, media):
    a1 = two_teams["cm"]["a1"]
    today = timezone.localdate()
    CycleFactory(manager=a1, month=month_start(today))
    return {**two_teams, "a1": a1, "customer": two_teams["customers"]["a1"], "today": today}


def small_jpeg(color=(10, 120, 10)) -> SimpleUploadedFile:
    return upload(encoded(Image.new("RGB", (800, 600), color)))


def add(world, **more):
    return shelf_photo_add(
        customer_id=world["customer"].pk,
        date=world["today"],
        by=world["a1"],
        upload=more.pop("file", None) or small_jpeg(),
        **more,
    )


def stored_files(media) -> list:
    return sorted(p for p in media.rglob("*.jpg"))


def test_adding_a_photo_creates_the_visit_and_stores_two_small_files(visit_day, media):
    photo = add(visit_day)
    visit = Visit.objects.get()
    assert photo.visit == visit and visit.customer == visit_day["customer"]
    assert (photo.width, photo.height) == (800, 600) and photo.bytes <= MAX_BYTES
    files = stored_files(media)
    assert len(files) == 2 and all("photos/" in str(p) for p in files)
    assert photo.image.size == photo.bytes


def test_a_replayed_upload_returns_the_same_photo_and_creates_nothing(visit_day, media):
    client_id = uuid.uuid4()
    first = add(visit_day, client_id=str(client_id))
    again = add(visit_day, client_id=str(client_id), file=small_jpeg((1, 2, 3)))
    assert again.pk == first.pk
    assert ShelfPhoto.objects.count() == 1 and len(stored_files(media)) == 2


def test_a_client_id_used_for_another_visit_is_refused(visit_day):
    client_id = str(uuid.uuid4())
    add(visit_day, client_id=client_id)
    other = CustomerFactory(manager=visit_day["a1"], code="C-a1-2")
    with pytest.raises(ValidationError, match="另一次拜访"):
        add(visit_day | {"customer": other}, client_id=client_id)
    assert ShelfPhoto.objects.count() == 1


def test_a_client_id_that_is_no_uuid_is_refused(visit_day):
    with pytest.raises(ValidationError, match="上传编号"):
        add(visit_day, client_id="'; drop table")
    assert not ShelfPhoto.objects.exists()


def test_the_device_time_is_kept_when_it_is_plausible_and_replaced_when_not(visit_day):
    now = timezone.now()
    start, _end = day_bounds(visit_day["today"])
    tapped = max(start, now - dt.timedelta(minutes=3)).replace(microsecond=0)
    assert add(visit_day, tapped_at=tapped.isoformat()).taken_at == tapped
    future = (now + dt.timedelta(hours=2)).isoformat()
    assert abs(add(visit_day, tapped_at=future).taken_at - now) < dt.timedelta(minutes=1)
    naive = now.replace(tzinfo=None).isoformat()
    assert abs(add(visit_day, tapped_at=naive).taken_at - now) < dt.timedelta(minutes=1)
    assert abs(add(visit_day, tapped_at="yesterday").taken_at - now) < dt.timedelta(minutes=1)


def test_a_visit_holds_at_most_the_configured_number_of_photos(visit_day, settings, media):
    settings.PHOTO_MAX_PER_VISIT = 2
    add(visit_day)
    add(visit_day)
    with pytest.raises(ValidationError, match="最多 2 张"):
        add(visit_day)
    assert ShelfPhoto.objects.count() == 2 and len(stored_files(media)) == 4


def test_a_refused_photo_writes_nothing(visit_day, media):
    with pytest.raises(ValidationError):
        add(visit_day, file=upload(b"<svg/>"))
    assert not Visit.objects.exists() and not stored_files(media)


def test_no_photo_once_the_month_is_closed(visit_day, media):
    cycle = visit_day["a1"].cycles.get()
    cycle.evaluation_status = EvaluationStatus.SUBMITTED
    cycle.save()
    with pytest.raises(NotAllowedNow):
        add(visit_day)
    assert not ShelfPhoto.objects.exists() and not stored_files(media)


# --- the visit page -----------------------------------------------------------------------


@pytest.fixture
def page(client, visit_day):
    client.force_login(visit_day["a1"])
    url = f"/visits/{visit_day['today'].isoformat()}/{visit_day['customer'].pk}/"
    return {**visit_day, "client": client, "url": url, "add": url + "photos/"}


def test_the_visit_page_offers_camera_and_album_in_a_form_that_works_without_javascript(page):
    html = page["client"].get(page["url"]).content.decode()
    assert "货架照片" in html and "还没有货架照片" in html
    assert 'enctype="multipart/form-data"' in html
    assert f'action="{page["add"]}"' in html
    assert 'capture="environment"' in html and "multiple" in html
    assert "js/shelf_photos.js" in html


def test_a_plain_form_upload_comes_back_to_the_page_with_the_photo(page):
    response = page["client"].post(page["add"], {"photo": [small_jpeg(), small_jpeg()]})
    assert response.status_code == 302 and response["Location"].endswith("#photos")
    html = page["client"].get(response["Location"]).content.decode()
    assert "已上传 2 张照片" in html
    photos = list(ShelfPhoto.objects.order_by("pk"))
    assert len(photos) == 2
    for photo in photos:
        assert f"/visits/photos/{photo.pk}/thumb.jpg" in html
        assert f"/visits/photos/{photo.pk}.jpg" in html


def test_a_plain_form_refusal_is_told_on_the_page(page):
    bad = upload(b"<svg/>", "x.svg", "image/svg+xml")
    response = page["client"].post(page["add"], {"photo": bad}, follow=True)
    assert "不支持 SVG" in response.content.decode()
    assert not ShelfPhoto.objects.exists()


def test_an_htmx_upload_answers_the_photos_partial_and_a_replay_changes_nothing(page):
    client_id = str(uuid.uuid4())
    body = {"photo": small_jpeg(), "client_id": client_id, "tapped_at": timezone.now().isoformat()}
    response = page["client"].post(page["add"], body, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="photos"' in html and "已上传 1 张照片" in html
    assert "<html" not in html
    body["photo"] = small_jpeg()
    again = page["client"].post(page["add"], body, **HTMX)
    assert again.status_code == 200 and ShelfPhoto.objects.count() == 1


def test_an_htmx_refusal_is_a_200_with_the_message_beside_the_photos(page):
    response = page["client"].post(page["add"], {"photo": upload(b"hello")}, **HTMX)
    assert response.status_code == 200 and "无法识别的图片" in response.content.decode()


def test_an_upload_over_the_limit_is_refused_in_chinese(page, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 2000
    big = upload(encoded(noisy(200, 200), quality=95))
    response = page["client"].post(page["add"], {"photo": big}, **HTMX)
    assert "照片太大" in response.content.decode()


def test_nothing_picked_is_told(page):
    response = page["client"].post(page["add"], {}, **HTMX)
    assert "请选择或拍摄一张照片" in response.content.decode()


def test_a_closed_month_shows_the_photos_without_the_form(page):
    add(page)
    cycle = page["a1"].cycles.get()
    cycle.evaluation_status = EvaluationStatus.APPROVED
    cycle.save()
    html = page["client"].get(page["url"]).content.decode()
    assert "/thumb.jpg" in html and "上传照片" not in html
    response = page["client"].post(page["add"], {"photo": small_jpeg()}, **HTMX)
    assert response.status_code == 409 and ShelfPhoto.objects.count() == 1


def test_the_owner_deletes_a_photo_and_its_files(page, media, django_capture_on_commit_callbacks):
    photo = add(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = page["client"].post(f"/visits/photos/{photo.pk}/delete/")
    assert response.status_code == 302
    assert not ShelfPhoto.objects.exists() and not stored_files(media)


def test_another_managers_customer_gets_no_photo(page):
    other = page["customers"]["b1"]
    url = f"/visits/{page['today'].isoformat()}/{other.pk}/photos/"
    assert page["client"].post(url, {"photo": small_jpeg()}).status_code == 404
    assert not ShelfPhoto.objects.exists()


# --- who sees a photo ---------------------------------------------------------------------


def test_a_photo_is_served_only_to_who_may_see_the_visit(visit_day, client):
    photo = add(visit_day)
    urls = (f"/visits/photos/{photo.pk}.jpg", f"/visits/photos/{photo.pk}/thumb.jpg")
    expected = {
        "a1": 200,  # the visit's manager
        "mm_a": 200,  # their market manager
        "brand": 200,
        "admin": 200,
        "mm_b": 404,  # another team's market manager
        "b1": 404,  # another customer manager
        "a2": 404,  # a colleague of the same team
    }
    users = {
        "a1": visit_day["a1"],
        "mm_a": visit_day["mm_a"],
        "brand": visit_day["brand"],
        "admin": visit_day["admin"],
        "mm_b": visit_day["mm_b"],
        "b1": visit_day["cm"]["b1"],
        "a2": visit_day["cm"]["a2"],
    }
    for key, user in users.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == expected[key], (key, url)
            if response.status_code == 200:
                assert response["Content-Type"] == "image/jpeg"
                assert "private" in response["Cache-Control"]
                assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_a_market_manager_may_look_but_not_delete(visit_day, client):
    photo = add(visit_day)
    client.force_login(visit_day["mm_a"])
    assert client.post(f"/visits/photos/{photo.pk}/delete/").status_code == 403
    client.force_login(visit_day["mm_b"])
    assert client.post(f"/visits/photos/{photo.pk}/delete/").status_code == 404
    assert ShelfPhoto.objects.count() == 1


def test_the_customer_page_shows_the_latest_photos_with_their_dates(
    visit_day, client, django_assert_max_num_queries
):
    photo = add(visit_day)
    url = f"/customers/{visit_day['customer'].pk}/"
    client.force_login(visit_day["mm_a"])
    with django_assert_max_num_queries(40):
        html = client.get(url).content.decode()
    assert "货架照片" in html and f"/visits/photos/{photo.pk}/thumb.jpg" in html
    assert visit_day["today"].strftime("%Y-%m-%d") in html
    client.force_login(visit_day["brand"])
    assert f"/visits/photos/{photo.pk}/thumb.jpg" in client.get(url).content.decode()


def test_the_visit_audit_shows_the_months_photos(visit_day, client):
    photo = add(visit_day)
    client.force_login(visit_day["mm_a"])
    html = client.get("/visits/audit/").content.decode()
    assert "拜访照片" in html and f"/visits/photos/{photo.pk}/thumb.jpg" in html
    assert visit_day["customer"].name in html
    client.force_login(visit_day["mm_b"])
    assert f"/visits/photos/{photo.pk}/" not in client.get("/visits/audit/").content.decode()
