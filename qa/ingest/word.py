"""Word documents (.docx) read as a browser would show them: converted to HTML by mammoth, then read by the
HTML reader. Read paragraph by paragraph with python-docx, a document lost its headings (no section path),
its list marks and its code, and every table went to the end of the text, far from the sentence that
introduces it.

Why mammoth: a small, pure-Python, well-kept converter from .docx to semantic HTML (headings from the
"Heading N" styles, lists from Word's numbering, tables in place, footnotes), so the reader is the HTML
reader every other format already shares. Its style map names the code styles Word, LibreOffice and pandoc
write, so code stays a code block.
"""

from __future__ import annotations

import io

# Paragraph styles that hold code or a title, as Word ("HTML Preformatted"), pandoc ("Source Code") and
# LibreOffice ("Preformatted Text") name them, and Word's table of contents ("toc 1"…, "!": left out, as the
# HTML reader leaves a manual's contents out); the rest of the mapping is mammoth's own.
STYLE_MAP = """
p[style-name='TOC Heading'] => !
p[style-name='toc 1'] => !
p[style-name='toc 2'] => !
p[style-name='toc 3'] => !
p[style-name='toc 4'] => !
p[style-name='Contents Heading'] => !
p[style-name='Contents 1'] => !
p[style-name='Contents 2'] => !
p[style-name='Contents 3'] => !
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => p:fresh
p[style-name='Source Code'] => pre:separator('\\n')
p[style-name='HTML Preformatted'] => pre:separator('\\n')
p[style-name='Preformatted Text'] => pre:separator('\\n')
p[style-name='Code'] => pre:separator('\\n')
r[style-name='Verbatim Char'] => code
r[style-name='HTML Code'] => code
"""


class NotAWordDocument(ValueError):
    """The bytes are not a .docx mammoth can open (a renamed file, a damaged archive)."""


def docx_page(data: bytes) -> str:
    """The document as HTML; images are left out (no text in them to answer from)."""
    import mammoth

    no_images = mammoth.images.img_element(lambda image: {"alt": image.alt_text or ""})
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=STYLE_MAP, convert_image=no_images)
    except Exception as exc:  # zipfile.BadZipFile, KeyError for a missing part, lxml's XML errors
        raise NotAWordDocument(f"corrupt or unsupported .docx ({type(exc).__name__})") from None
    return _tidied(f"<html><body>{result.value}</body></html>")


def _tidied(markup: str) -> str:
    """mammoth puts each table cell's text in a <p>, and the HTML reader takes a table holding paragraphs for
    a page's layout, not a table of data: a cell's paragraphs become its text, a space apart. A footnote's
    "↑" link back to its mark is left out: it is navigation."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for cell in soup.find_all(["td", "th"]):
        if cell.find("table") is None:
            for paragraph in cell.find_all("p"):
                paragraph.insert_after(" ")
                paragraph.unwrap()
    for back in soup.select('a[href^="#footnote-ref-"], a[href^="#endnote-ref-"]'):
        back.decompose()
    return str(soup)
