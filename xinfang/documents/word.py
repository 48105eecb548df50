"""The DOCX of an issued document, laid out after GB/T 9704 (党政机关公文格式) on A4.

Built from the document's frozen fields only, so every download of one document is the same text.
"""

from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from xinfang.documents.models import IssuedDocument

BODY_FONT = "仿宋_GB2312"  # 三号仿宋 for the text, as GB/T 9704 asks
TITLE_FONT = "方正小标宋简体"  # 二号小标宋 for the title
FALLBACK_LATIN = "Times New Roman"
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
LINE = Pt(28)  # fixed 28 pt lines: 22 lines a page on the 版心 below
INDENT = Pt(32)  # two characters of 三号


def _font(paragraph: Paragraph, text: str, *, name: str = BODY_FONT, size: Pt = BODY_SIZE) -> None:
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.name = FALLBACK_LATIN
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)  # python-docx sets only the Latin font; CJK needs eastAsia


def _para(doc: object, *, align: int | None = None, indent: bool = False) -> Paragraph:
    paragraph: Paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align  # type: ignore[assignment]
    if indent:
        fmt.first_line_indent = INDENT
    return paragraph


def document_docx(document: IssuedDocument) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = FALLBACK_LATIN
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    props = doc.core_properties
    props.title, props.identifier = f"{document.title}（{document.number}）", document.number
    props.author = props.last_modified_by = document.issuer_name
    props.created = props.modified = document.issued_at
    props.keywords, props.comments = "", ""

    title = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    _font(title, document.title, name=TITLE_FONT, size=TITLE_SIZE)
    _font(_para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), document.number)
    _para(doc)
    for i, text in enumerate(document.paragraphs()):
        addressee = i == 0 and text.endswith("：")
        _font(_para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=not addressee), text)
    _para(doc)
    _para(doc)
    for line in (document.issuer_name, document.date_text):
        signature = _para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT)
        signature.paragraph_format.right_indent = INDENT  # 右空四字 ≈ the date's own width
        _font(signature, line)
    if document.footer:
        _para(doc)
        _font(_para(doc, indent=True), document.footer)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
