"""Simulated petitioners for benchmarks/portal_load.py (locust; not imported by the product).

Each one opens the online form, submits a petition and reads the receipt, then looks matters up
with a query code and secret — its own, or one of the earlier petitions the benchmark made — and
reads the progress page. XF_BENCH_THINK is the pause between pages ("MIN,MAX" seconds, or 0).
"""

import json
import os
import random
import re
import secrets
from pathlib import Path

from locust import HttpUser, between, constant, task

with Path(os.environ["XF_BENCH_CODES"]).open(encoding="utf-8") as _f:
    CODES: list[list[str]] = json.load(_f)
_think = os.environ.get("XF_BENCH_THINK", "1,3")
WAIT = constant(0) if _think.strip() in ("0", "") else between(*map(float, _think.split(",")))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]*)"')
CATEGORY = re.compile(r'<select name="category".*?</select>', re.S)
LOCALITY = re.compile(r'<select name="locality".*?</select>', re.S)
OPTION = re.compile(r'<option value="(\d+)"')


def _options(pattern: re.Pattern[str], page: str) -> list[str]:
    found = pattern.search(page)
    return OPTION.findall(found.group(0)) if found else []


class Petitioner(HttpUser):
    wait_time = WAIT

    def on_start(self) -> None:
        self.mine: list[list[str]] = []

    def _form(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200 or "csrfmiddlewaretoken" not in r.text:
                r.failure(f"{url}: {r.status_code}")
            return r.text

    @task(1)
    def submit(self) -> None:
        page = self._form("/portal/submit/", "打开在线信访表单 GET /portal/submit/")
        token, key = CSRF.search(page), KEY.search(page)
        if token is None or key is None:
            return
        categories, places = _options(CATEGORY, page), _options(LOCALITY, page)
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "key": key.group(1),
            "purpose": "suggestion",
            "category": random.choice(categories) if categories else "",
            "locality": random.choice(places) if places else "",
            "content": "建议在小区门口增设无障碍坡道，方便老人和轮椅通行。"
            f"编号{secrets.token_hex(4)}",
            "truthful": "on",
        }
        with self.client.post(
            "/portal/submit/", data=data, name="提交信访 POST /portal/submit/", catch_response=True
        ) as r:
            code = re.search(r'data-code="([^"]+)"', r.text)
            secret = re.search(r'data-secret="([^"]+)"', r.text)
            if r.status_code != 200 or "/portal/receipt/" not in r.url or not (code and secret):
                r.failure(f"no receipt: {r.status_code} {r.url}")
                return
            self.mine.append([code.group(1), secret.group(1)])

    @task(3)
    def look_up(self) -> None:
        own = self.mine and random.random() < 0.3
        code, secret = random.choice(self.mine if own else CODES)
        page = self._form("/portal/query/", "打开查询页 GET /portal/query/")
        token = CSRF.search(page)
        if token is None:
            return
        data = {"csrfmiddlewaretoken": token.group(1), "query_code": code, "secret": secret}
        name = "查询进度 POST /portal/query/ → 进度页"
        with self.client.post("/portal/query/", data=data, name=name, catch_response=True) as r:
            if r.status_code != 200 or "/portal/progress/" not in r.url:
                r.failure(f"no progress page: {r.status_code} {r.url}")

    @task(1)
    def reference(self) -> None:
        """The floor: a page with no database and no template, under the same load."""
        self.client.get("/healthz", name="参照 GET /healthz")
