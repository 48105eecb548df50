"""Every article of 《信访工作条例》 cited in code, templates, pages and default documents says
what the text beside it is about (the table in xinfang/documents/data/regulation_articles.toml)."""

import importlib
import re
import tomllib
from pathlib import Path

import pytest

from xinfang.documents.default_templates import DEFAULT_TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
TABLE = tomllib.loads(
    (ROOT / "xinfang/documents/data/regulation_articles.toml").read_text(encoding="utf-8")
)
CITATION = re.compile(r"第[一二三四五六七八九十百零]+条")
# ordinals, not articles: "the first record" of the audit chain
NOT_CITATIONS = ("链的第一条", "指出第一条")
SCANNED = {".py", ".html", ".txt", ".md", ".json"}
# quotes the wrong article of databases made before it, to correct it
CORRECTING = "0005_cite_article_34.py"


def wrong_citations(text: str) -> list[str]:
    """The citations in text whose article is not in the table or has none of its words beside
    it: beside = back to the previous citation (at most 30 characters) and on to the next (at
    most 80)."""
    found = list(CITATION.finditer(text))
    problems = []
    for i, match in enumerate(found):
        near = text[max(0, match.start() - 4) : match.end() + 4]
        if any(n in near for n in NOT_CITATIONS):
            continue
        start = max(match.start() - 30, found[i - 1].end() if i else 0)
        end = min(match.end() + 80, found[i + 1].start() if i + 1 < len(found) else len(text))
        beside = text[start:end]
        article = TABLE.get(match.group())
        if article is None:
            problems.append(f"{match.group()} 不在条文表中：{beside!r}")
        elif not any(word in beside for word in article["words"]):
            problems.append(f"{match.group()}（{article['says']}）与上下文不符：{beside!r}")
    return problems


def scanned_files() -> list[Path]:
    files = [p for p in (ROOT / "xinfang").rglob("*") if p.suffix in SCANNED and p.is_file()]
    files += [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    return [f for f in files if f.exists() and f.name != CORRECTING]


def test_the_checker_catches_the_wrong_articles_this_file_was_written_for():
    assert wrong_citations("根据《信访工作条例》第三十三条的规定，本机关将自受理之日起60日内办结")
    assert wrong_citations("依照《信访工作条例》第三十二条，下列请求由信访部门依法分类处理")
    assert wrong_citations("依据《信访工作条例》第三十五条，信访人对复核意见不服的，不再受理")
    assert wrong_citations("依照《信访工作条例》第九十九条")  # no such article in the table
    assert not wrong_citations("根据《信访工作条例》第三十四条的规定，办理期限延长30日")
    assert not wrong_citations("不是链的第一条：其前的记录被删除")


def test_the_scan_sees_the_files_that_cite():
    cited = {f.name for f in scanned_files() if CITATION.search(f.read_text(encoding="utf-8"))}
    assert {"default_templates.py", "notice.html", "submit.html", "services.py"} <= cited


def test_every_article_cited_in_the_repository_says_what_its_text_is_about():
    problems = []
    for path in scanned_files():
        for problem in wrong_citations(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}: {problem}")
    assert problems == []


def test_the_default_documents_cite_the_right_articles():
    problems = [
        f"{kind}: {p}"
        for kind, (title, body, footer) in DEFAULT_TEMPLATES.items()
        for p in wrong_citations(title + body + footer)
    ]
    assert problems == []
    assert "第三十四条" in DEFAULT_TEMPLATES["accept"][1]
    assert "第三十四条" in DEFAULT_TEMPLATES["extension"][1]


@pytest.mark.django_db
def test_databases_made_before_the_fix_get_the_right_article_and_can_go_back():
    from django.apps import apps

    from xinfang.documents.models import DocumentTemplate

    fix = importlib.import_module("xinfang.documents.migrations.0005_cite_article_34")
    accept = DocumentTemplate.objects.get(kind="accept", unit=None)
    accept.body = accept.body.replace("第三十四条", "第三十三条")  # as migration 0002 wrote it
    accept.save()
    fix.forward(apps, None)
    accept.refresh_from_db()
    assert "第三十四条" in accept.body and "第三十三条" not in accept.body
    fix.backward(apps, None)
    accept.refresh_from_db()
    assert "根据《信访工作条例》第三十三条的规定" in accept.body
