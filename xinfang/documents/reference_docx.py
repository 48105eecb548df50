"""Our Word reference template (documents/data/reference.docx), written part by part here.

python-docx's own template is Word's whole style gallery (831 KB unpacked, a thumbnail of a blank
page, "Microsoft Macintosh Word" as the application); ours holds only the styles we use, set after
GB/T 9704: A4, 三号仿宋 body on fixed 28 pt lines, 二号小标宋 title, 黑体 and 楷体 headings.
Run `python -m xinfang.documents.reference_docx` to write the file again after changing it.
"""

import zipfile
from io import BytesIO
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent / "data" / "reference.docx"
APPLICATION = "信访业务系统"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _fonts(east_asia: str) -> str:
    return (
        f'<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" '
        f'w:eastAsia="{east_asia}" w:cs="Times New Roman"/>'
    )


def _heading(style_id: str, name: str, east_asia: str, half_points: int, level: int) -> str:
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>'
        f'<w:pPr><w:keepNext/><w:outlineLvl w:val="{level}"/></w:pPr>'
        f'<w:rPr>{_fonts(east_asia)}<w:sz w:val="{half_points}"/></w:rPr></w:style>'
    )


STYLES = (
    _XML + f'<w:styles xmlns:w="{_W}">'
    "<w:docDefaults><w:rPrDefault><w:rPr>"
    f'{_fonts("仿宋_GB2312")}<w:sz w:val="32"/><w:szCs w:val="32"/>'
    '<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="560" w:lineRule="exact"/>'
    '<w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
    "<w:qFormat/></w:style>"
    '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
    '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>'
    # 二号方正小标宋, centred (GB/T 9704 7.3.3)
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/>'
    '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>'
    '<w:pPr><w:spacing w:line="700" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr>'
    f'<w:rPr>{_fonts("方正小标宋简体")}<w:sz w:val="44"/></w:rPr></w:style>'
    # the 结构层次: 一、 in 黑体, (一) in 楷体, both 三号
    + _heading("Heading1", "heading 1", "黑体", 32, 0)
    + _heading("Heading2", "heading 2", "楷体_GB2312", 32, 1)
    + '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
    '<w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
    '<w:tblCellMar><w:left w:w="108" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
    "</w:tblCellMar></w:tblPr></w:style>"
    '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/>'
    '<w:basedOn w:val="TableNormal"/><w:pPr><w:spacing w:line="240" w:lineRule="auto"/>'
    '<w:jc w:val="center"/></w:pPr><w:rPr><w:sz w:val="21"/></w:rPr><w:tblPr><w:tblBorders>'
    + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + "</w:tblBorders></w:tblPr></w:style></w:styles>"
)

# A4; margins of GB/T 9704 (上37 下35 左28 右26 mm) in twentieths of a point
DOCUMENT = (
    _XML + f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>'
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" '
    'w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/>'
    '<w:docGrid w:type="lines" w:linePitch="560"/></w:sectPr></w:body></w:document>'
)
SETTINGS = (
    _XML + f'<w:settings xmlns:w="{_W}"><w:defaultTabStop w:val="420"/>'
    '<w:characterSpacingControl w:val="compressPunctuation"/>'
    '<w:compat><w:compatSetting w:name="compatibilityMode" '
    'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>'
)
APP = (
    _XML + f'<Properties xmlns="{_DOC}/extended-properties">'
    f"<Application>{APPLICATION}</Application><DocSecurity>0</DocSecurity></Properties>"
)
# author and dates are set on each document made from it (the issuing unit, the issue time)
CORE = (
    _XML + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
    'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    f"<dc:creator>{APPLICATION}</dc:creator></cp:coreProperties>"
)
_CT = "application/vnd.openxmlformats-officedocument"
CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_CT}.wordprocessingml.'
    'document.main+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{_CT}.wordprocessingml.styles+xml"/>'
    f'<Override PartName="/word/settings.xml" ContentType="{_CT}.wordprocessingml.'
    'settings+xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/></Types>'
)
ROOT_RELS = (
    _XML + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_DOC}/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC}/relationships/extended-properties" '
    'Target="docProps/app.xml"/></Relationships>'
)
DOCUMENT_RELS = (
    _XML + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_DOC}/relationships/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/relationships/settings" Target="settings.xml"/>'
    "</Relationships>"
)
PARTS = {
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": ROOT_RELS,
    "docProps/app.xml": APP,
    "docProps/core.xml": CORE,
    "word/document.xml": DOCUMENT,
    "word/_rels/document.xml.rels": DOCUMENT_RELS,
    "word/styles.xml": STYLES,
    "word/settings.xml": SETTINGS,
}


def build() -> bytes:
    """The template's bytes: the same every time (fixed dates in the archive)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return out.getvalue()


if __name__ == "__main__":
    REFERENCE.write_bytes(build())
    print(f"{REFERENCE}: {REFERENCE.stat().st_size} bytes")
