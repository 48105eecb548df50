"""The demo server's access log keeps paths, never query strings or referrers (hostile walk: a
phone a client typed into ?person= was refused by the page but written whole to gunicorn's log)."""

import re
import shlex
from datetime import timedelta
from pathlib import Path

from gunicorn.config import Config
from gunicorn.glogging import Logger

DEMO = Path(__file__).resolve().parent.parent / "bin" / "demo"


def _log_format() -> str:
    text = DEMO.read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "bin/gunicorn" in line)
    words = shlex.split(line)
    return words[words.index("--access-logformat") + 1]


class _Response:
    status = "403 Forbidden"
    sent = 120
    headers: list[tuple[str, str]] = []


def test_the_logged_line_has_the_path_but_no_number_from_the_address() -> None:
    fmt = _log_format()
    assert not re.search(r"%\((r|q|f|\{.*\}i)\)s", fmt), (
        fmt
    )  # request line, query, referer, headers
    config = Config()
    config.set("access_log_format", fmt)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/intake/matters/?person=13912345678",
        "PATH_INFO": "/intake/matters/",
        "QUERY_STRING": "person=13912345678",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "http://127.0.0.1/intake/matters/?person=13912345678",
        "HTTP_USER_AGENT": "curl",
    }
    headers = [("REFERER", environ["HTTP_REFERER"]), ("USER-AGENT", "curl")]
    atoms = Logger(config).atoms(_Response(), headers, environ, timedelta(milliseconds=5))
    line = fmt % atoms
    assert "/intake/matters/" in line and "403" in line
    assert "13912345678" not in line and "person=" not in line
