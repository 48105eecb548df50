"""The desk at the keyboard: keys pressed and time taken to register a letter and a 6-person visit.

Run: .venv/bin/python benchmarks/desk_keyboard.py [--runs 3] [--key-ms 120] [--char-ms 400]
     [--shots benchmarks/results/desk_keyboard]

A scratch SQLite database gets the demo district's organisation tree (xinfang.demo.org: 89 units of
the district, 63 of them places), the default categories and the demo logins; gunicorn serves it
on loopback and Playwright for Python drives Debian's chromium (/usr/bin/chromium, or
XINFANG_CHROMIUM; never a downloaded browser) as the registrar 周晓燕 (dengji), two-factor off.

Each run registers, on the real /intake/register/ page, with the keyboard alone:
  letter — a letter: name, phone, address, channel 来信, the letter's date, content, category,
           purpose, 问题属地 and 责任单位, submitted with Enter;
  visit  — a 6-person visit with 5 representatives: the 信访人 (name, ID number, phone) marked as
           the first representative, four more (name, phone), category, purpose, 问题属地, 责任单位.
Both once with the type-ahead pickers (static/js/picker.js) and, as the reference in the same
process, once with picker.js blocked: the pickers are the plain selects they fall back to, moved by
arrow keys as the desk had to before.

Keys counted: every key the script presses, except the characters of what the registrar writes
down (names, ID numbers, phones, address, date, content). A chord would count its keys (none
is used: Playwright's synthetic keys do not reach the page's access keys).
What is typed into a picker (pinyin) counts. Time: the wall time from the empty form to the page
saying 已登记, with the script waiting --key-ms after every key (counted or digit/letter of the
content) and --char-ms after every Chinese character of the content (a fast 拼音 typist: 150 字
a minute); "page" is that time less the waits (the browser and server's own share). Prints a
Markdown report for results/desk_keyboard.md.
"""

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
CHROMIUM = os.environ.get("XINFANG_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "xinfang-demo"

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--key-ms", type=int, default=120, help="wait after each key (ms)")
parser.add_argument("--char-ms", type=int, default=400, help="wait after each Chinese character")
parser.add_argument("--shots", default="", help="folder for screenshots of the pickers")
parser.add_argument("--quick", action="store_true", help="no waits, one run (CI's small mode)")


@dataclass
class Desk:
    """The registrar's hands: counts the keys that are not content, and the waits."""

    page: Any
    key_ms: int
    char_ms: int
    keys: int = 0
    waited_ms: int = 0
    log: list[str] = field(default_factory=list)

    def _wait(self, ms: int) -> None:
        if ms:
            self.page.wait_for_timeout(ms)
            self.waited_ms += ms

    def key(self, name: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(name)
            self.keys += len(name.split("+"))
            self._wait(self.key_ms)
        self.log.append(name if times == 1 else f"{name}×{times}")
        if os.environ.get("DESK_TRACE") and name != "Enter":
            self.log.append(
                "@"
                + self.page.evaluate(
                    "() => document.activeElement.id || document.activeElement.name"
                )
            )

    def at(self, prefix: str) -> None:
        """The script's own check that the focus is where it means to type (not a key)."""
        where = self.page.evaluate("() => document.activeElement.id || document.activeElement.name")
        if not where.startswith(prefix):
            raise SystemExit(f"expected the focus on #{prefix}…, it is on #{where}: {self.log}")

    def lookup_done(self) -> None:
        """Wait (no key) for the person look-up's answer, which adds its stops to the tab order
        when it finds someone (on a loaded machine it can come seconds late)."""
        self.page.wait_for_function("() => !document.querySelector('.htmx-request')")

    def tab_to(self, selector: str) -> None:
        """Tab until `selector` has the focus (each Tab counted)."""
        for _ in range(12):
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
            self.key("Tab")
        raise SystemExit(f"{selector} not reached by Tab: {self.log}")

    def query(self, letters: str) -> None:
        """Typed into a picker: counted."""
        for ch in letters:
            self.page.keyboard.type(ch)
            self.keys += 1
            self._wait(self.key_ms)
        self.log.append(repr(letters))

    def write(self, text: str) -> None:
        """What the registrar writes down: not counted, typed at the stated speed."""
        for ch in text:
            self.page.keyboard.insert_text(ch) if not ch.isascii() else self.page.keyboard.type(ch)
            self._wait(self.char_ms if not ch.isascii() else self.key_ms)

    def plain_select(self, target: str) -> None:
        """The fallback select, focused: arrow keys from where it stands to `target` (counted)."""
        here, there = self.page.evaluate(
            """(target) => {
                const s = document.activeElement;
                const labels = Array.from(s.options).map(o => o.text.replace(/^\\u3000+/, ""));
                return [s.selectedIndex, labels.indexOf(target)];
            }""",
            target,
        )
        if there < 0:
            raise SystemExit(f"{target} is not in the select")
        step = "ArrowDown" if there >= here else "ArrowUp"
        if there != here:
            self.key(step, abs(there - here))


def pick(desk: Desk, pickers: bool, letters: str, name: str, *, then: str = "Tab") -> None:
    """A unit or category: pinyin then Tab (or Enter) with the picker; arrows without it."""
    if pickers:
        desk.query(letters)
        active = desk.page.evaluate(
            "() => { const id = document.activeElement.getAttribute('aria-activedescendant');"
            " return id ? document.getElementById(id).firstChild.textContent : ''; }"
        )
        if active != name:
            where = desk.page.evaluate("() => document.activeElement.id")
            raise SystemExit(
                f"typing {letters!r} in #{where} offers {active!r} first, not {name!r}"
            )
        desk.key(then)
    else:
        desk.plain_select(name)
        if then == "Tab":
            desk.key("Tab")


# Someone new at each registration (an earlier one would be offered as a repeat, a stop more).
SURNAMES = "李王张刘陈杨黄赵周吴"
GIVEN = ["秀英", "建华", "桂芳", "志强", "玉兰", "德明"]


def person(n: int) -> tuple[str, str]:
    """The n-th registration's name and phone."""
    return SURNAMES[n % 10] + GIVEN[n // 10 % 6], f"139073{n:05d}"


def letter(desk: Desk, pickers: bool, received: str, n: int) -> None:
    name, phone = person(n)
    desk.write(name)
    desk.key("Tab")  # 身份证号: a letter seldom gives it
    desk.key("Tab")
    desk.write(phone)
    desk.key("Tab")
    desk.write("新城街道华府社区3栋201")
    desk.lookup_done()
    desk.key("Tab")  # 关联事项: 新事项 (the look-up's choice, always there)
    desk.key("Tab")  # 渠道: the radio group, at 来访
    desk.at("id_channel")
    desk.key("ArrowLeft")  # 来信
    desk.key("Tab")  # 层级
    desk.key("Tab")  # 登记时间: the letter's date
    desk.at("id_received_at")
    desk.write(received)
    desk.key("Tab")  # 人数
    desk.key("Tab")  # 形式
    desk.key("Tab")  # 来信类型
    desk.key("Tab")  # 反映内容
    desk.at("id_content")
    desk.write("小区地下车库长期积水，物业公司拖延不修，要求尽快维修排水设施")
    desk.key("Tab")
    pick(desk, pickers, "wy", "物业管理")
    desk.key("ArrowDown", 3)  # 信访目的: 申诉求决
    desk.key("Tab")
    pick(desk, pickers, "hf", "华府社区")
    pick(desk, pickers, "xc", "新城街道", then="Enter")
    if pickers:
        desk.key("Enter")  # 登记: Enter in a text box submits
    else:
        desk.tab_to("button[type=submit]")  # a select does not submit on Enter
        desk.key("Enter")


def visit(desk: Desk, pickers: bool, id_number: str, n: int) -> None:
    name, phone = person(n)
    desk.write(name)
    desk.key("Tab")
    desk.write(id_number)
    desk.key("Tab")
    desk.write(phone)
    desk.key("Tab")  # 住址
    desk.lookup_done()
    desk.key("Tab")  # 关联事项: 新事项
    desk.key("Tab")  # 渠道: the desk remembers 来信 from the letter before
    desk.at("id_channel")
    desk.key("ArrowRight")  # 来访
    desk.key("Tab")  # 层级
    desk.key("Tab")  # 登记时间: now
    desk.key("Tab")  # 人数
    desk.key("6")  # counted: a figure the desk keys in, not content
    desk.key("Tab")  # 形式: automatic (集体访 from 5)
    desk.key("Tab")  # 反映内容
    desk.at("id_content")
    desk.write("沙湾村征地补偿款至今未发放到户，六户村民要求公开分配方案")
    desk.key("Tab")
    pick(desk, pickers, "zd", "征地拆迁")
    desk.key("ArrowDown", 3)  # 申诉求决
    desk.key("Tab")
    pick(desk, pickers, "sw", "沙湾村")
    pick(desk, pickers, "xc", "新城街道")
    desk.lookup_done()  # 相似事项 may add its stops (并入此事项) before the representatives
    desk.tab_to("#id_petitioner_is_representative")
    desk.key("Space")  # 信访人是代表人
    desk.key("Tab")  # the first representative's row
    desk.at("id_rep-0-name")
    for n, (name, phone) in enumerate(
        [
            ("张桂兰", "13607310001"),
            ("刘德明", "13607310002"),
            ("陈玉梅", "13607310003"),
            ("赵春生", "13607310004"),
        ]
    ):
        if n:  # 添加代表人 (two Tabs past 删除此代表人), Enter: the new row's name takes the focus
            desk.tab_to("#add-rep")
            desk.key("Enter")
        desk.at(f"id_rep-{n}-name")
        desk.write(name)
        desk.key("Tab")  # 身份证号 (not given)
        desk.key("Tab")
        desk.write(phone)
    desk.key("Enter")  # 登记


def shot(page: Any, folder: Path, name: str, box: str) -> None:
    """A small PNG of the field and its open list."""
    field_box = page.locator(box).locator("xpath=ancestor::div[contains(@class,'field')][1]")
    field_box.evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 20)")
    b = field_box.bounding_box()
    listbox = page.locator(box).locator("xpath=following-sibling::ul[1]").bounding_box()
    height = (listbox["y"] + listbox["height"] - b["y"] + 8) if listbox else b["height"] + 8
    clip = {"x": b["x"] - 8, "y": b["y"] - 8, "width": b["width"] + 16, "height": height + 8}
    page.screenshot(path=str(folder / f"{name}.png"), clip=clip)


def screenshots(page: Any, base: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/intake/register/")
    box = page.locator("#id_locality")
    for name, typed in (("chinese", "新城"), ("initials", "xc"), ("pinyin", "xincheng")):
        box.fill("")
        box.focus()
        page.keyboard.type(typed)
        shot(page, folder, f"locality-{name}", "#id_locality")
    box.fill("")
    page.keyboard.press("Escape")
    page.locator("#id_responsible_unit").focus()
    page.keyboard.press("ArrowDown")  # the empty box: recent choices first
    shot(page, folder, "responsible-recent", "#id_responsible_unit")
    page.keyboard.press("Escape")
    page.locator("#id_category").focus()
    page.keyboard.press("ArrowDown")
    page.locator("#id_category-listbox").evaluate("list => { list.scrollTop = list.scrollHeight; }")
    shot(page, folder, "category-order-end", "#id_category")  # 其他 last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def python_reference() -> float:
    """Seconds of a fixed pure-Python loop: how busy the machine is, in the same process."""
    started = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i % 7
    return time.perf_counter() - started


SETUP = """
import django
django.setup()
from django.core.management import call_command
from xinfang.core.permissions import SYSTEM
from xinfang.demo.generator import write_org_csv
from xinfang.demo.services import demo_users_create
write_org_csv({org!r})
call_command("import_org", {org!r}, verbosity=0)
demo_users_create(actor=SYSTEM)
"""


def main() -> None:
    args = parser.parse_args()
    if args.quick:
        args.runs, args.key_ms, args.char_ms = 1, 0, 0
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"没有找到浏览器 {CHROMIUM}：apt-get install chromium")
    scratch = Path(tempfile.mkdtemp(prefix="xf-bench-desk."))
    env = dict(
        os.environ,
        XINFANG_DATA_DIR=str(scratch),
        DATABASE_URL=f"sqlite:///{scratch}/desk.sqlite3",
        XINFANG_DEBUG="0",
        XINFANG_TWO_FACTOR="off",
        DJANGO_SETTINGS_MODULE="xinfang.settings",
    )
    run = lambda *argv: subprocess.run(argv, env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run(str(VENV / "xinfang"), "migrate", "--no-input", "-v0")
    run(str(VENV / "python"), "-c", SETUP.format(org=str(scratch / "org.csv")))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(VENV / "gunicorn"),
            "xinfang.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not answer") from None
                time.sleep(0.3)
        results = drive(args, base)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
    report(args, results)


def drive(args: argparse.Namespace, base: str) -> dict[str, list[tuple[int, float, float, float]]]:
    """Per (scenario, mode): (keys, seconds, page seconds, python reference) of every run."""
    from datetime import date

    from playwright.sync_api import sync_playwright

    from xinfang.intake.idcard import make_id_number

    results: dict[str, list[tuple[int, float, float, float]]] = {}
    received = (date.today() - timedelta(days=3)).isoformat()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        serial = 0
        for n in range(args.runs):
            for pickers in (True, False):
                context = browser.new_context(
                    viewport={"width": 1366, "height": 900}, locale="zh-CN"
                )
                if not pickers:
                    context.route("**/js/picker.js", lambda route: route.abort())
                page = context.new_page()
                page.goto(f"{base}/login/")
                page.get_by_label("用户名").fill("dengji")
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(f"{base}/")
                for name in ("letter", "visit"):
                    page.goto(f"{base}/intake/register/")
                    page.locator("#id_petitioner_name").wait_for()
                    reference = python_reference()
                    desk = Desk(page, args.key_ms, args.char_ms)
                    started = time.perf_counter()
                    if name == "letter":
                        letter(desk, pickers, received, serial)
                    else:
                        birth = date(1968, 5, 1) + timedelta(days=serial)
                        visit(desk, pickers, make_id_number("320101", birth, 31), serial)
                    serial += 1
                    try:
                        page.locator("#done-outcome").wait_for(timeout=30000)
                    except Exception:
                        errors = page.locator(".error-summary").all_inner_texts()
                        raise SystemExit(f"{name} not registered: {errors} {desk.log}") from None
                    seconds = time.perf_counter() - started
                    mode = "pickers" if pickers else "plain selects"
                    results.setdefault(f"{name}|{mode}", []).append(
                        (desk.keys, seconds, seconds - desk.waited_ms / 1000, reference)
                    )
                    print(
                        f"run {n + 1} {name} {mode}: {desk.keys} keys, {seconds:.1f} s "
                        f"({' '.join(desk.log)})",
                        file=sys.stderr,
                    )
                if pickers and n == 0 and args.shots:
                    screenshots(page, base, Path(args.shots))
                context.close()
        browser.close()
    return results


def report(
    args: argparse.Namespace, results: dict[str, list[tuple[int, float, float, float]]]
) -> None:
    import django

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print("| scenario | mode | keys beyond content | time (s) | page's own (s) | runs | target |")
    print("|---|---|---:|---:|---:|---:|---|")
    targets = {"letter": "≤ 30 keys, < 40 s", "visit": "≤ 60 keys, < 40 s"}
    for key, rows in results.items():
        name, mode = key.split("|")
        keys = sorted({r[0] for r in rows})
        print(
            f"| {name} | {mode} | {'/'.join(map(str, keys))} | "
            f"{statistics.median(r[1] for r in rows):.1f} | "
            f"{statistics.median(r[2] for r in rows):.1f} | {len(rows)} | "
            f"{targets[name] if mode == 'pickers' else 'reference'} |"
        )
    refs = [r[3] for rows in results.values() for r in rows]
    print()
    print(f"waits: {args.key_ms} ms after each key, {args.char_ms} ms after each Chinese character")
    print(
        f"python reference loop: median {statistics.median(refs):.3f} s "
        f"(min {min(refs):.3f}, max {max(refs):.3f}); load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"commit {commit}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"CPython {platform.python_version()}, Django {django.get_version()}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    main()
