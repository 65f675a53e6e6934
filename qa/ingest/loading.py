"""Reading a corpus folder into Documents: one reader per format, each a well-kept library.

A file that cannot be used is reported as ``Skipped`` with a reason and the rest goes on.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.ingest.generated import GeneratedFiles
from qa.ingest.readerwarnings import reader_messages, summary
from qa.settings import Settings
from qa.types import Document, Layout, Skipped

TITLES_FILE = "titles.json"
# A corpus folder's own notes on where its documents come from (eval/corpora/*/SOURCE.md): not a document.
SOURCE_FILE = "SOURCE.md"


class UnreadableFile(Exception):
    """Raised by a reader with a one-line reason a person can act on."""


@dataclass
class LoadReport:
    documents: list[Document]
    skipped: list[Skipped]


_SURROGATES = re.compile(r"[\ud800-\udfff]")  # half characters no encoder or tokenizer takes


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode_text(data: bytes) -> str:
    # UTF-16/32 with a byte-order mark (Windows "Unicode" text) is text despite its NUL bytes.
    for bom, enc in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                raise UnreadableFile(f"has a {enc.upper()} byte-order mark but is not valid {enc.upper()}") from None
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary file (contains NUL bytes), not text")
    for enc in ("utf-8-sig", "utf-8"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    # Legacy 8-bit files are common; cp1252 maps nearly every byte, so check it looks like text.
    text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if text.count("\ufffd") + controls > max(8, len(text) // 100):
        raise UnreadableFile("not valid UTF-8 and does not look like text in a legacy encoding")
    return text


def read_text(data: bytes) -> str | tuple[str, Layout]:
    """Plain text: the decoded text exactly, so offsets match the file. A Vim help file (Vim's manuals, a
    plugin's doc/*.txt) is read as Vim shows it, headings as the section path (qa.ingest.vimhelp)."""
    from qa.ingest.vimhelp import is_vim_help, vim_help_page

    text = _decode_text(data)
    return _html_layout(vim_help_page(text)) if is_vim_help(text) else text


def read_markdown(data: bytes) -> tuple[str, Layout]:
    """Markdown as a browser shows it, headings as the section path (qa.ingest.markdown)."""
    from qa.ingest.markdown import markdown_page

    return _html_layout(markdown_page(_decode_text(data)))


# A format's reader version, bumped when it extracts other text from the same bytes: the manifest records
# it per file, so an update re-reads (and re-embeds) just the files of that format. Unlisted: 1.
READER_VERSIONS = {
    # html 2: page furniture (menus, site footers, sidebars) left out; 3: manuals' navigation and TOCs;
    # 4: <pre> and tables recorded as code and table spans (Layout.shaped), for the views to show them so;
    # 5: a manual's sidebar boxes (DocBook <sidebar>: TIP, NOTE…) inside its sections kept, their title a
    # heading while the box lasts; inline elements run together as a browser shows them (no space added
    # around a <code> or an <em>); a <dt> term and its <dd> definition one block.
    # 6: a Sphinx build's div.footer left out; a short page beside a long sidebar read, not refused as a
    # contents page. 7: each list item opens with its mark as a browser shows it ("- ", "2. ").
    # 8: Texinfo (texi2any) manuals: the "Table of Contents" heading left out with its list, footnotes under
    # "Footnotes" a chapter of their own, not a part of the last index; an index's "Jump to: A B C" left out.
    # 9: a <br> inside <pre> is a line break of the code, as a browser shows it. 10: parsed with lxml, which
    # closes unclosed <dt>, <dd>, <p>, <li> as a browser does (man2html's option lists); a CGI header left out.
    # 11: Doxygen's div.contents is the text (texi2html's, all links, still a contents list), its div.headertitle
    # the page's title, its #titlearea banner left out; "Skip to content" links left out.
    # 12: five or more paragraphs in a row that are each one link (a contents list written as paragraphs), with
    # their "Table of Contents" title, left out.
    # 13: Doxygen's formulas, drawn as images, read as their TeX's words ("generate LaTeX output").
    # 14: a <dt> whose <dd> holds a list of terms of its own (a man page's "set" over its options) is a heading
    # over that <dd>. 15: groff -Thtml's man pages: the page's own contents (a run of "#anchor" links, one per
    # line) left out; a short paragraph over one indented deeper, or a layout table's row of a short term and its
    # description, one block (an option and what it does). 16: breadcrumb trails ("Apache > HTTP Server > …"),
    # the page's list of its other languages (links marked hreflang), a page banner or footer known by its id.
    # 17: a box of five or more links and nothing else (Apache's quick view: contents and "See also") left out
    # with its heading, which had headed every section after it. 18: a paragraph that is one bold question (a
    # FAQ's) a heading over its answer; SQLite's hidden <h> (each PRAGMA's name) a heading after its paragraph.
    # 19: DocBook's reference pages (PostgreSQL's: div.refsect1 "Description", "Options" under the page's h2
    # "pg_dump") nest as sections; an admonition (div.note > h3.title "Note") titles only itself, as a sidebar does.
    # 20: a table's header cells recorded with each of its parts (which column states a default).
    # 21: a link to a footnote showing only its superscript mark ("suitable<sup>1</sup>") left out of the text.
    "html": 21,
    # pdf 2: running headers and footers left out; 3: pypdfium2, paragraphs, outline sections, pages;
    # 4: monospace lines as code spans, repeated decoration lines once; 5: mail addresses and URLs broken
    # after a dot at a line end joined again; 6: Texinfo manuals: chapter headings whose bookmarks carry the
    # number, outline levels checked against printed numbers, boldness judged against the body text, symbol-only
    # lines (boxed notes' corners) and wordless lines in fonts that never print a word (a music example's
    # noteheads) dropped, definition-list terms kept with their descriptions, hyphens after typewriter text kept.
    # 7: URLs and paths broken after a slash ("/usr/" | "share/doc/…") or before a capitalised host joined again.
    # 8: footnotes (small lines at a page's foot that open with a mark) after the paragraph their page ends in,
    # not inside it; Sphinx's "(continues on next page)" under a code block left out.
    # 9: characters beyond the BMP (math italic in papers) read whole, not as two UTF-16 halves; a header set
    # apart from the body where most pages set one (dblatex's "CHAPTER 1. … 1.3. …") left out; an accent on
    # nothing (dblatex's opening quote) left out. 10: word spaces the PDF draws by moving the pen, not with a
    # space character (groff's PDFs: "anyremaining"), put back. 11: slides (landscape pages): a slide shown in
    # steps read once, from its last step; sections from the outline by page when no slide prints them.
    # 12: a term over a description that lists hanging items of its own (a man page's "set" over its options)
    # adds itself to the section path of that description. 13: without an outline, a heading's last wrapped line
    # may end with a stop ("4.5. /usr/include : Directory for standard" | "include files.", Apache FOP's FHS).
    # 14: a footnote whose mark is set against its first word (dblatex's "1You do need …") is a footnote too.
    # 15: a path dblatex breaks after a slash with a hyphen ("debian/-" | "source/options") joined again.
    # 16: tables: lines whose wide gaps line up over three or more lines are a table's rows ("len | 1.0 |
    # preferred length of edge"), each row a line, shown as a table; its caption with it; a table set inside a
    # paragraph (a float) after that paragraph; its header cells recorded with each of its parts.
    # 17: a table's columns stand 1.5 em apart on most rows (a bulleted list, or word spaces lining up in justified
    # prose, is none); a table that opens a page with the columns of the one closing the page before goes on from it.
    # 18: a table over three or more pages repeats its header on none of them (it came back from the third page).
    # 19: notes in the right margin (LaTeX's marginpar: "New feature 1995/12/01") apart from the sentence they
    # stand beside; numbered headings under the outline's deepest ("2.7.2 Make it robust") are headings; a line
    # ending in "name.sty." no longer runs on into "2.7.2 …" as if it were a host name.
    # 20: a footnote line without a mark goes on in the last footnote, never in a margin note read before it.
    # 21: two-column papers: the title block and abstract printed across the page read before the columns
    # (lines of it that fit one half no longer taken for the left column's top); a left-column line that stops
    # at its column's edge goes on in its paragraph; a right column's short lines are no margin notes; a
    # paragraph printed large (an abstract) is no heading; "APPENDIX A: …" matches its bookmark.
    "pdf": 21,
    # txt 2: (its blocks, found in the text) rules ("-----") and a numbered table of contents are not
    # passages; a numbered title that asks ("1.2. What is Debian GNU/Linux?") is a heading.
    # txt 3: underlined titles ("Scope" over "=====") are headings, their rule no part of the name; a
    # contents list written one bulleted entry a paragraph (Sphinx's text builder) is no passage.
    # txt 4: a paginated file's page footers and headers (an RFC's "[Page 2]" lines) are no passage or heading.
    # txt 5: Vim help files rendered as Vim shows them (qa.ingest.vimhelp): sections, examples as code, no tags.
    "txt": 5,
    # md 2: rendered (markdown-it-py) and read as HTML: headings nest into the section path, no markup in the
    # text, code fences kept as code, MyST toctrees left out.
    # md 3, rst 2: read by the HTML reader, they change with it (HTML 10-13).
    # md 4, rst 3: MyST's {eval-rst} fences read as reST, not shown as code; Pallets' click:example kept as
    # code and click:run (code run at build time) left out; sphinx-tabs' tabs kept with their titles.
    "md": 4,
    "rst": 3,
    # docx 2: rendered (mammoth) and read as HTML: headings as the section path, list marks, code blocks, and
    # tables where they stand (they all came after the last paragraph).
    # docx 3: a contents list written as paragraphs of one link each (pandoc's) left out, as HTML 12.
    "docx": 3,
}


def reader_version(fmt: str) -> int:
    return READER_VERSIONS.get(fmt, 1)


def read_html(data: bytes) -> tuple[str, Layout]:
    """The page's text as blocks under their heading path, without navigation (qa.ingest.html)."""
    return _html_layout(_decode_text(data))


def _html_layout(markup: str) -> tuple[str, Layout]:
    """An HTML page's text and layout; a page of links only is unreadable, with the reason."""
    from qa.ingest.html import NavigationOnly, read_html_layout

    try:
        return read_html_layout(markup)
    except NavigationOnly as exc:
        raise UnreadableFile(str(exc)) from None


def read_rst(data: bytes) -> tuple[str, Layout]:
    """reStructuredText as rendered (qa.ingest.rst): titles as the section path, code and tables in place."""
    from qa.ingest.rst import rst_page

    return _html_layout(rst_page(_decode_text(data)))


def read_epub(data: bytes) -> tuple[str, Layout]:
    """An EPUB book's pages in reading order, each read as HTML (qa.ingest.epub), its title the book's."""
    from qa.ingest.epub import EpubError, read_epub_layout

    try:
        return read_epub_layout(data)
    except EpubError as exc:
        raise UnreadableFile(str(exc)) from None


def read_pdf(data: bytes) -> tuple[str, Layout]:
    """Paragraphs, sections and pages (qa.ingest.pdf); pypdf stays for what PDFium will not open."""
    from qa.ingest.pdf import read_pdf_layout

    try:
        text, layout = read_pdf_layout(data)
    except ValueError as exc:
        raise UnreadableFile(str(exc)) from None
    if not text.strip():
        raise UnreadableFile("PDF has no extractable text (scanned images need OCR)")
    return text, layout


def read_pdf_plain(data: bytes) -> str:
    """The reader before pypdfium2 (reader version 2), kept for comparison."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    if b"%PDF-" not in data[:1024]:  # where readers look for it; without it, it is some other file
        raise UnreadableFile("not a PDF (invalid header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise UnreadableFile("PDF is password-protected")
            except DependencyError:
                raise UnreadableFile("PDF is AES-encrypted; `pip install cryptography` to read it") from None
            except UnreadableFile:
                raise
            except Exception as exc:  # pypdf raises several types for unsupported encryption
                raise UnreadableFile("PDF is password-protected") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(f"corrupt or unsupported PDF ({type(exc).__name__}: {str(exc)[:100]})") from None
    text = "\n\n".join(_tidy_blocks(p) for p in without_running_lines(pages) if p.strip())
    if not text.strip():
        raise UnreadableFile("PDF has no extractable text (scanned images need OCR)")
    return text


RUNNING_MIN_PAGES = 3  # fewer pages cannot tell a running header from a title
RUNNING_SHARE = 0.6  # a line at the same edge of this share of the pages is a running header or footer
RUNNING_EDGE = 2  # lines looked at on each page's top and bottom
RUNNING_NUMBERED_WORDS = 6  # lines this short may differ in their numbers alone ("Page 3 of 40")


def _line_shape(line: str) -> str:
    """A line as running lines repeat it: exactly, but a short line with numbers has them blanked, so
    that "Page 3 of 40" and "Page 4 of 40" are the same footer (a longer one is text that counts)."""
    line = " ".join(line.split()).casefold()
    return re.sub(r"\d+", "#", line) if len(line.split()) <= RUNNING_NUMBERED_WORDS else line


def without_running_lines(pages: list[str]) -> list[str]:
    """Pages without their running headers and footers: a line (numbers aside) that stands among the
    first or last lines of most pages is the document's furniture, repeated on every page, and a page
    number alone is too. The first page keeps its top lines: a running title is often the document's
    title there. Pure, so it is tested without a PDF."""
    lines = [p.splitlines() for p in pages]
    filled = [[i for i, ln in enumerate(page) if ln.strip()] for page in lines]  # non-blank line numbers
    with_text = sum(1 for f in filled if f)
    if with_text < RUNNING_MIN_PAGES:
        return pages
    counts: dict[tuple[str, str], int] = {}
    for page, f in zip(lines, filled):
        edges = {("top", _line_shape(page[i])) for i in f[:RUNNING_EDGE]}
        edges |= {("bottom", _line_shape(page[i])) for i in f[-RUNNING_EDGE:]}
        for key in edges:
            counts[key] = counts.get(key, 0) + 1
    running = {key for key, n in counts.items() if n >= RUNNING_SHARE * with_text}
    out = []
    for number, (page, f) in enumerate(zip(lines, filled)):
        dropped: set[int] = set()
        for edge, order in (("top", f), ("bottom", f[::-1])):
            if edge == "top" and number == 0:
                continue
            for i in order[:RUNNING_EDGE]:
                shape = _line_shape(page[i])
                if (edge, shape) not in running and not re.fullmatch(r"(page )?#( of #)?|- # -", shape):
                    break
                dropped.add(i)
        out.append("\n".join(ln for i, ln in enumerate(page) if i not in dropped))
    return out


def read_docx(data: bytes) -> tuple[str, Layout]:
    """A Word document as rendered (qa.ingest.word): headings as the section path, lists, code and tables in
    place."""
    from qa.ingest.word import NotAWordDocument, docx_page

    try:
        page = docx_page(data)
    except NotAWordDocument as exc:
        raise UnreadableFile(str(exc)) from None
    return _html_layout(page)


def _tidy_blocks(text: str) -> str:
    """Collapse runs of blank lines and trailing spaces so extracted text reads as paragraphs."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    blank = 0
    for line in lines:
        if line.strip():
            if blank and out:
                out.append("")
            out.append(line.strip() if not line.startswith(" ") else line.strip())
            blank = 0
        else:
            blank += 1
    return "\n".join(out).strip() + "\n"


READERS: dict[str, tuple[str, Callable[[bytes], str | tuple[str, Layout]]]] = {
    ".txt": ("txt", read_text),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".rst": ("rst", read_rst),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".pdf": ("pdf", read_pdf),
    ".docx": ("docx", read_docx),
    ".epub": ("epub", read_epub),
}


def load_titles(corpus_dir: Path) -> dict[str, str]:
    """Human titles kept beside the documents; a broken file only loses the titles."""
    path = corpus_dir / TITLES_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _default_title(doc_id: str, text: str) -> str:
    for line in text.splitlines():
        line = line.strip().strip("#*").strip()
        if 3 <= len(line) <= 120:
            return line
    return Path(doc_id).stem


def _inside(path: Path, real_root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(real_root)
    except (OSError, RuntimeError):  # unresolvable, or a symlink loop
        return False


GZIP = ".gz"


def reader_suffix(path: Path | str) -> str:
    """The suffix that picks a file's reader. A gzip-compressed file, as /usr/share/doc keeps a package's
    manuals ("debian-faq.en.txt.gz", "README.gz"), is read as what it holds: its inner suffix, plain text
    where it has none; one holding another kind ("ps.gz", "tar.gz") keeps both suffixes, unsupported."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix != GZIP:
        return suffix
    inner = Path(path.stem).suffix.lower()
    return ".txt" if not inner else inner if inner in READERS else inner + GZIP


def _gunzip(data: bytes, limit: int) -> bytes:
    """A gzip file's contents, refused past ``limit`` bytes (a small file can hold gigabytes of zeros)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            out = unpacked.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFile(f"not a readable gzip file ({type(exc).__name__})") from None
    if len(out) > limit:
        raise UnreadableFile(f"too large once uncompressed (over max_file_mb={limit / 1024 / 1024:g})")
    return out


def list_corpus_files(settings: Settings) -> tuple[list[Path], list[Skipped]]:
    """The files a build would read, in a stable order, and those refused before reading."""
    root = settings.corpus_dir
    files: list[Path] = []
    skipped: list[Skipped] = []
    if not root.is_dir():
        return files, skipped
    real_root = root.resolve()
    generated = GeneratedFiles(root)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts) or path.name in (
            TITLES_FILE,
            SOURCE_FILE,
        ):
            continue
        if path.is_dir():
            if path.is_symlink() and not _inside(path, real_root):
                skipped.append(Skipped(rel, "link points outside the corpus folder"))
            continue
        suffix = reader_suffix(path)
        made = generated.reason(path) if suffix in settings.extensions else None
        if made is not None:
            skipped.append(Skipped(rel, made))
            continue
        if suffix not in settings.extensions or suffix not in READERS:
            if path.is_file():
                skipped.append(Skipped(rel, f"unsupported file type {suffix or '(none)'}"))
            continue
        try:
            resolved = path.resolve()
        except OSError:
            skipped.append(Skipped(rel, "cannot resolve path"))
            continue
        if not resolved.is_relative_to(real_root):
            skipped.append(Skipped(rel, "link points outside the corpus folder"))
            continue
        if not resolved.is_file():
            skipped.append(Skipped(rel, "not a regular file"))
            continue
        files.append(path)
    return files, skipped


def load_file(path: Path, doc_id: str, settings: Settings, titles: dict[str, str]) -> Document:
    """Read one file; raises UnreadableFile with the reason."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise UnreadableFile(f"cannot read ({exc.strerror})") from None
    size = stat.st_size
    limit = int(settings.max_file_mb * 1024 * 1024)
    if size > limit:
        raise UnreadableFile(f"too large ({size / 1e6:.0f} MB > max_file_mb={settings.max_file_mb:g})")
    if size == 0:
        raise UnreadableFile("empty file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read ({exc.strerror})") from None
    fmt, reader = READERS[reader_suffix(path)]
    raw = data
    if path.suffix.lower() == GZIP:
        data = _gunzip(data, limit)
    layout = None
    with reader_messages() as said:  # shown once, with the reason, rather than on stderr at every read
        try:
            text = reader(data)
            if isinstance(text, tuple):
                text, layout = text
            if not text.strip():
                raise UnreadableFile("no text in file")
            text = _SURROGATES.sub("\ufffd", text)  # one for one, so a layout's offsets still hold
        except UnreadableFile as exc:
            raise UnreadableFile("; ".join(filter(None, [str(exc), summary(said)]))) from None
        except RecursionError:
            raise UnreadableFile(f"{fmt} file nested too deeply to read") from None
        except Exception as exc:  # noqa: BLE001 - a reader's bug on one odd file must not stop the build
            why = f"{fmt} reader failed ({type(exc).__name__}: {str(exc)[:120]})"
            raise UnreadableFile("; ".join(filter(None, [why, summary(said)]))) from None
    title = titles.get(doc_id) or (layout.title if layout is not None else "") or _default_title(doc_id, text)
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        sha256=sha256_bytes(raw),
        fmt=fmt,
        size=size,
        mtime_ns=stat.st_mtime_ns,
        title_source="titles" if titles.get(doc_id) else "text",
        layout=layout,
    )


RACY_NS = 2_000_000_000  # a file changed this close to the last scan is read again (as git does)


def _unchanged(path: Path, doc_id: str, entry: dict[str, Any], titles: dict[str, str]) -> Document | None:
    """The last build's record of a file whose size and modification time have not changed, without
    reading it; None when it must be read (changed, or its title can only come from its text)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size != entry["size"] or stat.st_mtime_ns != entry["mtime_ns"]:
        return None
    title = titles.get(doc_id)
    if title is None and entry["title_source"] != "text":
        return None  # its titles.json entry is gone: the title comes from the text again
    return Document(
        doc_id=doc_id,
        title=title or entry["title"],
        text="",
        sha256=entry["sha256"],
        fmt=entry["format"],
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        title_source="titles" if title else "text",
        unread=True,
        chars=int(entry.get("chars", 0)),
    )


def _trusted(manifest: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Files of the last build whose record can stand in for reading them: complete, and not modified
    within ``RACY_NS`` of that build's scan (a same-size edit in the same clock tick would not show)."""
    if not manifest or not isinstance(manifest.get("scanned_ns"), int):
        return {}
    before = manifest["scanned_ns"] - RACY_NS
    out = {}
    for doc_id, entry in manifest.get("files", {}).items():
        fields = (entry.get("size"), entry.get("mtime_ns"), entry.get("sha256"), entry.get("format"))
        if all(f is not None for f in fields) and isinstance(entry["mtime_ns"], int) and entry["mtime_ns"] < before:
            out[doc_id] = {"title_source": "titles", **entry}
    return out


def skip_record(settings: Settings, skipped: Skipped) -> dict[str, Any]:
    """A skipped file as the manifest keeps it: with its size and time, so that the next run, seeing the
    same file, reports the same reason without reading it again."""
    record: dict[str, Any] = {"file": skipped.path, "reason": skipped.reason}
    found = READERS.get(reader_suffix(skipped.path))
    if found is not None:  # a newer reader may read it: then it is tried again
        record["reader"] = reader_version(found[0])
    try:
        stat = (settings.corpus_dir / skipped.path).stat()
    except OSError:
        return record
    return record | {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _known_unreadable(manifest: dict[str, Any] | None) -> dict[str, tuple[str, int, int]]:
    """Files the last build could not read, by name: (its reason, size, modification time), for those it
    recorded a size and time for, not modified near its scan, and not refused for a setting (their size)
    that may have changed since."""
    if not manifest or not isinstance(manifest.get("scanned_ns"), int):
        return {}
    before = manifest["scanned_ns"] - RACY_NS
    out = {}
    for entry in manifest.get("skipped", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("mtime_ns"), int):
            continue
        found = READERS.get(reader_suffix(str(entry["file"])))
        if found is not None and entry.get("reader") != reader_version(found[0]):
            continue  # refused by another version of its reader
        reason = str(entry.get("reason", ""))
        if "too large" in reason or reason.startswith(COPY_REASON):
            continue  # refused for a setting, or a copy of a file that may be gone now
        if entry["mtime_ns"] < before and isinstance(entry.get("size"), int):
            out[str(entry["file"])] = (str(entry["reason"]), entry["size"], entry["mtime_ns"])
    return out


def _same_stat(path: Path, size: int, mtime_ns: int) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (size, mtime_ns)


def load_corpus(settings: Settings, previous: dict[str, Any] | None = None) -> LoadReport:
    """Every readable document of the corpus folder, and a reason for each file left out.

    With ``previous`` (the live index's manifest), files whose size and modification time match its
    record are not read: their Document is marked ``unread`` and carries the recorded hash. On a large
    corpus that is most of the time a one-document update (or a start-up check) would spend.
    """
    files, skipped = list_corpus_files(settings)
    titles = load_titles(settings.corpus_dir)
    same_folder = bool(previous) and previous.get("corpus_dir") == str(settings.corpus_dir)  # type: ignore[union-attr]
    known = _trusted(previous) if same_folder else {}
    refused = _known_unreadable(previous) if same_folder else {}
    documents: list[Document] = []
    for path in files:
        doc_id = path.relative_to(settings.corpus_dir).as_posix()
        known_skip = refused.get(doc_id)
        if known_skip is not None and _same_stat(path, *known_skip[1:]):
            skipped.append(Skipped(doc_id, known_skip[0]))  # not read (nor its reader's warnings printed) again
            continue
        entry = known.get(doc_id)
        same = _unchanged(path, doc_id, entry, titles) if entry else None
        if same is not None:
            documents.append(same)
            continue
        try:
            documents.append(load_file(path, doc_id, settings, titles))
        except UnreadableFile as exc:
            skipped.append(Skipped(doc_id, str(exc)))
    documents, copies = without_copies(documents)
    return LoadReport(documents=documents, skipped=skipped + copies)


COPY_REASON = "the same bytes as "  # never remembered as unreadable: when the first copy goes, this one is read


def without_copies(documents: list[Document]) -> tuple[list[Document], list[Skipped]]:
    """A file that is byte for byte another one (a manual's "faq.html" beside "faq.en.html") is indexed
    once, under the first name: twice, the same excerpt took two of an answer's places."""
    first: dict[str, str] = {}
    kept, copies = [], []
    for doc in documents:
        if doc.sha256 in first:
            copies.append(Skipped(doc.doc_id, f"{COPY_REASON}{first[doc.sha256]} (indexed once)"))
        else:
            first[doc.sha256] = doc.doc_id
            kept.append(doc)
    return kept, copies


def read_document(settings: Settings, doc: Document) -> Document:
    """An ``unread`` document read after all (UnreadableFile when it no longer can be)."""
    if not doc.unread:
        return doc
    path = settings.corpus_dir / doc.doc_id
    return load_file(path, doc.doc_id, settings, load_titles(settings.corpus_dir))
