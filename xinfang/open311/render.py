"""GeoReport v2's two formats: one list of records rendered as JSON or as the spec's XML, and the
spec's error list (`[{"code": 400, "description": "…"}]`, `<errors><error>…`), the only error
format of this part."""

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# What XML 1.0 cannot carry at all (ElementTree writes it anyway, and the document is broken):
# control characters other than tab and newlines, lone surrogates, U+FFFE and U+FFFF.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# The element name of one item of each list (the spec's "Spark convention" for XML <-> JSON).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    """A refusal in the spec's error format: HTTP status and Chinese descriptions (one or more)."""

    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None) -> None:
        super().__init__(*descriptions)
        self.http_status = status
        self.descriptions = descriptions
        self.retry_after = retry_after  # seconds, for a 429


def respond(fmt: str, root: str, body: Any, status: int = 200) -> HttpResponse:
    """`body` (a list of dicts for list roots, else one dict) as JSON or XML under `root`."""
    if fmt == "json":
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    else:
        content = _xml(root, body)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list; an unknown format answers in XML, the format the spec requires."""
    body = [{"code": status, "description": text} for text in descriptions]
    return respond(fmt if fmt in FORMATS else "xml", "errors", body, status=status)


def _xml(root: str, body: Any) -> bytes:
    # ElementTree, not a serialiser library: the spec's XML is a handful of plain nested elements.
    element = ET.Element(root)
    _fill(element, root, body)
    text = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8")


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        item_name = ITEM_NAMES[name]
        for item in value:
            _fill(ET.SubElement(element, item_name), item_name, item)
    elif isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), key, child)
    elif value is None:
        return  # an empty element, as the spec's <account_id/>
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _XML_UNSAFE.sub("\ufffd", str(value))
