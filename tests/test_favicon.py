"""/favicon.ico, asked for by every browser by itself: our icon, not a 404 in the log."""

from io import BytesIO

from django.test import Client
from PIL import Image


def test_favicon_is_our_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    body = b"".join(response.streaming_content)
    assert len(body) < 10_000
    icon = Image.open(BytesIO(body))
    assert icon.format == "ICO"
    assert (16, 16) in icon.info["sizes"] and (32, 32) in icon.info["sizes"]
