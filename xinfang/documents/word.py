"""The DOCX of an issued document, laid out after GB/T 9704 (党政机关公文格式) on A4.

Built from the document's frozen fields only, so every download of one document is the same text.
"""

from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from xinfang.documents.models import IssuedDocument
from xinfang.documents.placeholders import strip_control
from xinfang.documents.reference_docx import REFERENCE

BODY_FONT = "仿宋_GB2312"  # 三号仿宋 for the text, as GB/T 9704 asks
TITLE_FONT = "方正小标宋简体"  # 二号小标宋 for the title
FALLBACK_LATIN = "Times New Roman"
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
LINE = Pt(28)  # fixed 28 pt lines: 22 lines a page on the 版心 below
INDENT = Pt(32)  # two characters of 三号


def font(paragraph: Paragraph, text: str, *, name: str = BODY_FONT, size: Pt = BODY_SIZE) -> None:
    # documents frozen before render() dropped control characters: python-docx refuses them
    run = paragraph.add_run(strip_control(text))
    run.font.size = size
    run.font.name = FALLBACK_LATIN
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)  # python-docx sets only the Latin font; CJK needs eastAsia
    fonts.set(qn("w:hint"), "eastAsia")  # “ ” and other shared marks drawn full-width, as in CJK


def para(doc: object, *, align: int | None = None, indent: bool = False) -> Paragraph:
    paragraph: Paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align  # type: ignore[assignment]
    if indent:
        fmt.first_line_indent = INDENT
    _no_auto_space(paragraph)
    return paragraph


# the elements the schema puts after autoSpaceDN in a w:pPr (its children are an ordered sequence)
_AFTER_AUTO_SPACE = tuple(
    qn(f"w:{name}")
    for name in [
        "bidi",
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    ]
)


def _no_auto_space(paragraph: Paragraph) -> None:
    """No extra gap between 2025 and 年: Word and LibreOffice add one unless told not to."""
    ppr = paragraph._p.get_or_add_pPr()
    successor = next((child for child in ppr if child.tag in _AFTER_AUTO_SPACE), None)
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):
        flag = OxmlElement(name)
        flag.set(qn("w:val"), "0")
        if successor is None:
            ppr.append(flag)
        else:
            successor.addprevious(flag)


def _width(text: str) -> float:
    """Points `text` takes in 三号: a full-width character 16, a digit or Latin letter half that."""
    return sum(BODY_SIZE.pt if ord(ch) > 0x2E80 else BODY_SIZE.pt / 2 for ch in text)


def official_page() -> DocxDocument:
    """An empty Word document laid out as GB/T 9704 asks: A4, its margins, 3号仿宋 body."""
    doc = Document(str(REFERENCE))
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = FALLBACK_LATIN
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return doc


def document_docx(document: IssuedDocument) -> bytes:
    doc = official_page()
    props = doc.core_properties
    props.title = strip_control(f"{document.title}（{document.number}）")
    props.identifier = strip_control(document.number)
    props.author = props.last_modified_by = strip_control(document.issuer_name)
    props.created = props.modified = document.issued_at
    props.keywords, props.comments = "", ""

    title = para(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    font(title, document.title, name=TITLE_FONT, size=TITLE_SIZE)
    font(para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), document.number)
    para(doc)
    body = None
    for i, text in enumerate(document.paragraphs()):
        addressee = i == 0 and text.endswith("：")
        body = para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=not addressee)
        font(body, text)
    # the signature never stands alone on a page: it keeps with the body's last lines
    keep = [p for p in (body, para(doc), para(doc)) if p is not None]
    for paragraph in keep:
        paragraph.paragraph_format.keep_with_next = True
    # GB/T 9704: the date 右空四字, the organ's name centred over the date
    date_width, name_width = _width(document.date_text), _width(document.issuer_name)
    name_indent = max(0.0, 2 * INDENT.pt + (date_width - name_width) / 2)
    for line, indent in ((document.issuer_name, name_indent), (document.date_text, 2 * INDENT.pt)):
        signature = para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT)
        signature.paragraph_format.right_indent = Pt(indent)
        signature.paragraph_format.keep_with_next = line == document.issuer_name
        font(signature, line)
    if document.footer:
        para(doc)
        font(para(doc, indent=True), document.footer)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
