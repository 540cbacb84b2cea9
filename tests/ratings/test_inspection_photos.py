"""Several photos per committee inspection (issue #5: "met / partly / not met, note,
photos"): each checked like every upload; a fake image, an oversized file or too many
photos are refused with a clear message and nothing is saved."""

import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from ratings.models import Inspection, InspectionPhoto
from ratings.services.inspections import MAX_PHOTOS

pytestmark = pytest.mark.django_db


def png(name="photo.png", size=(8, 8), noisy=False) -> SimpleUploadedFile:
    image = Image.new("RGB", size, "white")
    if noisy:  # does not compress: a large file
        rng = random.Random(1)
        image.putdata(
            [tuple(rng.randrange(256) for _ in range(3)) for _ in range(size[0] * size[1])]
        )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def checklist(serving, fee_schedule):
    """A form submission marking every line of the grade-2 standard as met."""
    lines = len(fee_schedule.grades.get(grade=2).standard)
    return {f"result_{i}": "met" for i in range(lines)}


@pytest.fixture
def page(client, committee_member, compound):
    client.force_login(committee_member)
    return reverse("inspection_new", args=[compound.pk])


def _nothing_saved():
    assert not Inspection.objects.exists()
    assert not InspectionPhoto.objects.exists()


def test_several_photos_are_kept_and_shown(client, page, checklist):
    photos = [png(f"p{i}.png") for i in range(3)]
    response = client.post(page, {**checklist, "note": "楼道干净", "photos": photos})
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.photos.count() == 3
    html = client.get(page).content.decode()
    for photo in inspection.photos.all():
        assert photo.image.url in html
    assert html.count("<img ") >= 3 and "楼道干净" in html


def test_no_photo_is_fine(client, page, checklist):
    assert client.post(page, checklist).status_code == 302
    assert Inspection.objects.get().photos.count() == 0


def test_fake_image_refused(client, page, checklist):
    fake = SimpleUploadedFile("fake.png", b"not an image at all", content_type="image/png")
    response = client.post(page, {**checklist, "photos": [png(), fake]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.context["form"].errors["photos"]
    assert any(error.startswith("fake.png:") for error in errors)
    _nothing_saved()


def test_oversized_photo_refused(client, page, checklist, settings):
    big = png("big.png", size=(64, 64), noisy=True)
    settings.UPLOAD_MAX_BYTES = big.size - 1
    response = client.post(page, {**checklist, "photos": [big]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.context["form"].errors["photos"]
    assert any("big.png" in error and "too large" in error for error in errors)
    _nothing_saved()


def test_too_many_photos_refused(client, page, checklist):
    photos = [png(f"p{i}.png") for i in range(MAX_PHOTOS + 1)]
    response = client.post(page, {**checklist, "photos": photos}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == [f"At most {MAX_PHOTOS} photos."]
    assert 'role="alert"' in response.content.decode()
    _nothing_saved()


def test_ten_photos_accepted(client, page, checklist):
    photos = [png(f"p{i}.png") for i in range(MAX_PHOTOS)]
    assert client.post(page, {**checklist, "photos": photos}).status_code == 302
    assert InspectionPhoto.objects.count() == MAX_PHOTOS


def test_bad_checklist_with_good_photos_saves_nothing(client, page, checklist):
    checklist["result_0"] = "bogus"
    response = client.post(page, {**checklist, "photos": [png()]})
    assert response.status_code == 400
    _nothing_saved()
