"""Answer forms: questions that ask for an answer of a known shape, and where a text holds that shape.

"What does LRAs stand for?" wants the acronym spelt out, "who wrote it?" a by-line, "where is it based?" a postal
address. The retriever marks passages holding the asked-for form (``Candidate.answer_form``) so the fusion can lift
them above passages that merely share the question's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.search.definitions import asked_terms, term_definitions

__all__ = [
    "acronym_definitions",
    "addresses",
    "answer_form",
    "asked_acronym",
    "asks_for_author",
    "asks_for_command",
    "asks_for_place",
    "asks_for_speaker",
    "bylines",
    "command_spans",
    "asks_for_default",
    "asks_for_definition",
    "asked_option",
    "option_command",
    "owns_option",
    "option_definitions",
    "default_missing",
    "default_statements",
    "asks_for_version",
    "version_missing",
    "version_statements",
    "speaker_lines",
]


# "What does LRAs stand for?", "What is QED short for?", "what does the acronym FIS mean?"
_ACRONYM_QUESTION = re.compile(
    r"\bwhat\s+(?:does|do|did|is|are|was)\s+(?:the\s+)?(?:acronym\s+|abbreviation\s+|initials\s+)?[\"'‘“]?"
    r"(?P<acronym>[A-Za-z][A-Za-z0-9&]*)[\"'’”]?\s+(?:stand\s+for|short\s+for|mean|abbreviate)"
    r"|^\s*what\s+(?:is|are)\s+(?:the\s+|an?\s+)?(?P<bare>[A-Za-z][A-Za-z0-9&]*)\s*\??\s*$",  # "What is the IOM?"
    re.IGNORECASE,
)


def asked_acronym(question: str) -> str | None:
    """The acronym a question asks to spell out, without a plural "s" ("LRAs" -> "LRA"); None otherwise."""
    m = _ACRONYM_QUESTION.search(question)
    if not m:
        return None
    acronym = m.group("acronym") or m.group("bare")
    if sum(c.isupper() for c in acronym) < 2:
        return None  # "what does it mean", "what does Sen mean"
    return acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym


def acronym_definitions(acronym: str, text: str) -> list[tuple[int, int]]:
    """Where ``text`` spells the acronym out: the "(LRAs)" after the words, or the "LRA (…" before them.

    Why: every passage about local authorities says "LRAs", and BM25 and the vectors rank the ones
    that use it most; the one passage that answers "what does LRAs stand for?" uses it once, in brackets.
    """
    a = re.escape(acronym)
    pattern = re.compile(rf"\(\s*{a}s?\s*\)|(?<![\w-]){a}s?\s*\((?=[^)]*[a-z]{{3}})")
    return [m.span() for m in pattern.finditer(text)]


# "Who wrote the blog post …?", "Who is the author of …?", "Who was it written by?"
_AUTHOR_QUESTION = re.compile(
    r"\bwho\s+(?:wrote|authored|(?:is|was|are|were)\s+the\s+authors?\b)|\bwritten\s+by\b|\bwho\s+is\s+it\s+by\b",
    re.IGNORECASE,
)


# A by-line: "By Cécile Riallant, Programme Manager…", "Written by …", "Author: …", on a line of its own.
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


_BYLINE = re.compile(
    r"(?:^|\n)[ \t]*(?:(?:[Ww]ritten\s+)?[Bb]y|[Aa]uthors?:)[ \t]+"
    rf"(?=[A-ZÀ-Þ])(?!(?:{_MONTHS}|The|This|That|Then|Now|Contrast|Comparison)\b)[^\n]{{2,200}}"
)


def asks_for_author(question: str) -> bool:
    return bool(_AUTHOR_QUESTION.search(question))


def bylines(text: str) -> list[tuple[int, int]]:
    """Where ``text`` has a by-line. Why: the passage that answers "who wrote it?" names its author once,
    at the top, while the passages that share the title's words (a comment header repeating it, the
    blurb about the series) outrank it on BM25 and the vectors."""
    out = []
    for m in _BYLINE.finditer(text):
        start = m.start() + len(m.group()) - len(m.group().lstrip("\n \t"))
        out.append((start, m.end()))
    return out


# "Who presented on …?", "Who spoke about …?", "Who gave the closing remarks?"
_SPEAKER_QUESTION = re.compile(
    r"^\s*who\s+(?:presented|spoke|talked|gave|delivered|chaired|opened|closed|introduced|addressed|"
    r"(?:was|were|is)\s+the\s+(?:speaker|presenter|chair)s?)\b",
    re.IGNORECASE,
)
# A speaker's name on a line of its own under an ALL-CAPS heading: "CLOSING REMARKS\n\nRichard Black\n\n…".
_NAME_WORD = r"[A-ZÀ-Þ][\w'’.-]*[a-zà-ÿ][\w'’.-]*"
_SPEAKER_LINE = re.compile(
    rf"(?m)^(?P<heading>[^\n]*)\n(?:[ \t]*\n)*[ \t]*(?P<name>{_NAME_WORD}(?: {_NAME_WORD}){{1,3}})[ \t]*$"
)


def asks_for_speaker(question: str) -> bool:
    return bool(_SPEAKER_QUESTION.search(question))


def speaker_lines(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a talk's speaker: a line of two to four capitalised words right under an ALL-CAPS
    heading. Why: a workshop report gives each talk a heading and the speaker's name below it; readers take
    that line as the answer to "who presented on …?", while the heading is never one and the talk's first
    sentence names the speaker by first name only."""
    out = []
    for m in _SPEAKER_LINE.finditer(text):
        heading = m.group("heading").strip()
        letters = [c for c in heading if c.isalpha()]
        if len(letters) >= 6 and all(c.isupper() for c in letters) and not heading.endswith(":"):  # not a label
            out.append(m.span("name"))
    return out


# "Where is it based?", "Where is the IOM's headquarters?", "Where was the workshop held?", "What is their address?"
_PLACE_QUESTION = re.compile(
    r"\bwhere\b[^?]*\b(?:based|located|headquartered|situated|held|offices?|headquarters)\b"
    r"|\b(?:postal\s+)?address\b",
    re.IGNORECASE,
)


_STREET = r"(?:Street|St\.|Road|Rd\.?|Avenue|Ave\.?|Place|Route|Lane|Square|Way|Boulevard|Blvd\.?|Drive|Court)"


_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[a-z]?,?\s+(?:[A-Z][\w'’.-]*\s+){{0,4}}{_STREET}\b"  # 76 Portland Place, 17 Route des …
    r"|\b\d{1,5},?\s+(?:rue|Rue|via|Via|calle|Calle|rua|Rua)\s+[A-Z]"  # 18 rue Hydraulique
    r"|\b(?:rue|Rue|via|Via|calle|Calle|rua|Rua)\s+(?:[\w'’.-]+\s+){0,3}\d{1,5}\b"  # Via Roma 12
    r"|\b(?:[A-Z]{1,2}-)\d{4,5}\s+[A-Z][a-z]"  # CH-1211 Geneva, B-1000 Brussels
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b"  # a UK postcode: WC1B 4AL
    r"|\bP\.?\s?O\.?\s+Box\s+\d+"
)


def asks_for_place(question: str) -> bool:
    return bool(_PLACE_QUESTION.search(question))


def addresses(text: str) -> list[tuple[int, int]]:
    """Where ``text`` gives a postal address. Why: "where is it based?" after a question about an
    organisation is answered by its address line, which shares few words with the question, while the
    paragraph about what the organisation does shares the conversation's words."""
    return [m.span() for m in _ADDRESS.finditer(text)]


# "How do I …?", "How can I …", "How to …", "Which file …?", "What command …?"
_COMMAND_QUESTION = re.compile(
    r"^\s*how\s+(?:do|can|should|would|could|must)\s+(?:i|you|we|one)\b|^\s*how\s+to\b"
    r"|\b(?:which|what)\s+(?:\w+\s+)?(?:files?|commands?|programs?|tools?|utility|utilities|options?|flags?"
    r"|director(?:y|ies)|folders?|paths?|settings?|packages?|variables?|parameters?|attributes?|functions?"
    r"|routines?|switch(?:es)?)\b"
    # "What do I type to turn it off?", "What should I run …?"
    r"|\bwhat\s+(?:do|should|can|must|would)\s+(?:i|you|we|one)\s+(?:type|run|enter|execute|invoke)\b"
    # "Is there a single setting for that?", "Is there a dry-run mode that …?"
    r"|\bis\s+there\s+(?:a|an|any)\s+(?:[\w-]+\s+){0,3}?(?:commands?|settings?|options?|tools?|programs?|utility"
    r"|switch|parameters?|knobs?|flags?|variables?|functions?|routines?|modes?)\b",
    re.IGNORECASE,
)
_EXTENSIONS = (
    "conf|cfg|ini|list|sh|py|pl|txt|xml|json|ya?ml|toml|rc|service|socket|timer|network|netdev|desktop|deb|dsc|changes"
    "|buildinfo|csv|log|gz|xz|tar|patch|diff|el|vim|rules|install|docs|lintian-overrides"
)
_NOT_COMMANDS = (
    "following|same|above|below|first|last|next|previous|whole|entire|main|new|old|basic|simple|right|proper|correct"
    "|actual|external|internal|builtin|shell|single|one|this|that|each|every|other|said|given|original|real|full|line"
)
_COMMAND_FORMS = re.compile(
    r"(?<![\w/.-])(?:~|\.{1,2})?/[\w.@+-]+(?:/[\w.@+*-]*)+"  # a path: /etc/network/interfaces, ~/.bashrc
    rf"|(?<![\w/-])[\w+-]+(?:\.[\w+-]+)*\.(?:{_EXTENSIONS})\b"  # a file name: sources.list, dhcp.network
    r"|(?<![\w-])--[a-z][\w-]+|(?<=\s)-[a-zA-Z]{1,2}(?=\s|$)"  # an option: --season, -i
    r"|^[ \t]*[$#][ \t]+\S.*$"  # a shell prompt line: $ sudo dpkg-reconfigure tzdata
    r"|\b(?:sudo|apt|apt-get|dpkg(?:-\w+)?|systemctl|dch|debuild|dput|dcut|reportbug|bts|lintian|git|make)[ \t]+[\w-]"
    # A command named as one: "the command grub-install", "the debdiff command" (not "the following command").
    r"|\bthe\s+command\s+(?!(?:lines?|prompts?|names?|is|was|are|will|can|and|or|to|in|of|for|with|that|which)\b)"
    r"[‘'“\"]?[a-z][\w.+-]*[a-z0-9]"
    rf"|\bthe\s+(?!(?:{_NOT_COMMANDS})\b)[a-z][\w.+-]*[a-z0-9]\s+command\b",
    re.MULTILINE,
)


def asks_for_command(question: str) -> bool:
    return bool(_COMMAND_QUESTION.search(question))


def command_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a command, option, path or file name: the form in which a manual answers "how do
    I …?" and "which file …?" (the sentence "Use:" or "looks like the following." says less than the line
    after it)."""
    return [m.span() for m in _COMMAND_FORMS.finditer(text)]


# "What does set -e do?", "What does the -l option do?", "What is --rcfile for?", "What does test -d check?"
_OPTION_QUESTION = re.compile(
    r"^\s*what\s+(?:does|do|is|are)\b.*?(?<![\w-])(?P<option>--?[A-Za-z][\w-]*)(?![\w-])"
    r"(?:\s+(?:option|flag|switch)\b)?(?:\s+[\w-]+){0,5}\s*\??\s*$",  # "… do?", "… check?", "… option do?"
    re.IGNORECASE,
)
TERM_WORDS = 4  # a term line of at most this many words ("-t timeout") is the name; its definition follows


def asked_option(question: str) -> str | None:
    """The option a question asks the meaning of ("-e" in "What does set -e do?"); None otherwise."""
    m = _OPTION_QUESTION.search(question)
    return m.group("option") if m else None


_NOT_COMMANDS = frozenset("what does do is are the an a this that option flag switch".split())


def option_command(question: str) -> str | None:
    """The command a question names right before the option it asks about ("set" in "What does set -e do?",
    "commit" in "What does git commit -a do?"); None when it names none ("What does the -l option do?")."""
    m = _OPTION_QUESTION.search(question)
    if not m:
        return None
    before = re.findall(r"[\w.-]+", question[: m.start("option")])
    return before[-1] if before and before[-1].lower() not in _NOT_COMMANDS else None


# A group's label, where a manual sets it on the option's line ("Operation mode: -j, --join-existing").
_LABEL = r"(?:[A-Z][\w ]{0,40}:[ \t]+)?"
_OPTION_LINE = re.compile(rf"{_LABEL}[-+]")


def owns_option(command: str | None, section: str, title: str, text: str, at: int) -> bool:
    """Whether the option defined at ``at`` of a passage's ``text`` is ``command``'s: the command is named in the
    passage's section ("… — set [-abef…]"), or the document's title ("BASH", for a line of its option list), or
    opens a line before the definition (its synopsis), or the term line over it ("git branch -d <branch>").
    Merely mentioned is not enough: "-P If set, the shell does not resolve symbolic links when executing commands
    such as cd" is set's -P, not cd's. Any option is when the question names no command."""
    if command is None:
        return True
    name = re.escape(command)  # as typed: "Read key bindings" names no `read`
    if re.search(rf"(?<![\w-]){name}(?![\w-])", section):
        return True
    if _option_line(text, at) and re.search(rf"(?<!\w){name}(?![\w-])", title, re.IGNORECASE):  # "BASH"
        return True
    if re.search(rf"^[ \t]*(?:[$#][ \t]+)?{name}(?![\w-])", text[:at], re.MULTILINE):
        return True
    above = text[text.rfind("\n", 0, max(at - 1, 0)) + 1 : at]  # the term line over the definition
    return re.match(rf"[ \t]*(?:[\w.-]+[ \t]+)?{name}[ \t]+[-+]", above) is not None


def _option_line(text: str, at: int) -> bool:
    """Whether ``at`` opens a line of an option list: the line opens with an option ("-l Make bash act as …"), or
    it is the description under a line that does ("-t timeout" over "Cause read to time out …"); not prose."""
    start = text.rfind("\n", 0, at) + 1
    if text[start:at].strip():
        return False
    before = text.rfind("\n", 0, max(start - 1, 0)) + 1
    return _OPTION_LINE.match(text, at) is not None or (start > 0 and _OPTION_LINE.match(text, before) is not None)


def option_definitions(option: str, text: str) -> list[tuple[int, int]]:
    """Where ``text`` defines ``option``: a line that opens with it (after other spellings of the same option:
    "-a, --all", "kill -l|-L"), as a manual's list of options sets each one. The span is the definition: the
    line itself, or the line after a term line that only names the option ("-t timeout" over "Cause read to
    time out …"); or a sentence that says what it does in prose ("The -P option causes cd to …", "If -n is
    specified, …"); or the line under a term line that names the command with it ("git branch -d <branch>").
    Why: every passage about ``set`` mentions "-e" somewhere, and the one that says what it does opens a line
    with it, which the words of "What does set -e do?" cannot single out."""
    o = re.escape(option)
    line = re.compile(
        rf"^[ \t]*{_LABEL}(?P<term>(?:[-+][\w-]+(?:[ \t]*[,|][ \t]*|[ \t]+))*?{o}(?![\w-])[^\n]*)", re.MULTILINE
    )
    spans = []
    for m in line.finditer(text):
        a, b = m.span()
        if len(m.group("term").split()) <= TERM_WORDS and b < len(text) and text[b] == "\n":
            nxt = text.find("\n", b + 1)
            a, b = b + 1, len(text) if nxt < 0 else nxt
        if text[a:b].strip():
            spans.append((a, b))
    # In prose: "The -P option causes cd to …", "If -n is specified, the trailing newline is suppressed."
    prose = re.compile(
        rf"\b(?:[Tt]he|[Ww]ith the)\s+{o}\s+option\b|\b[Ii]f\s+(?:the\s+)?{o}\s+(?:option\s+)?(?:is|was)\s+"
        r"(?:given|specified|supplied|present|used)\b"
    )
    spans += [m.span() for m in prose.finditer(text)]
    # A term line that names the command too, over its description: "git branch -d <branch>" over "delete the
    # branch …" (not a prompt's line: "$ git branch -d old" over the next step of an example).
    named = re.compile(rf"^[ \t]*(?:[\w.-]+[ \t]+){{1,2}}{o}(?![\w-])[^\n]*(?=\n[ \t]*\S)", re.MULTILINE)
    for m in named.finditer(text):
        if len(m.group().split()) <= TERM_WORDS + 2:
            nxt = text.find("\n", m.end() + 1)
            spans.append((m.end() + 1, len(text) if nxt < 0 else nxt))
    return sorted(set(spans))


def asks_for_definition(question: str) -> bool:
    """The question asks what an option or a term is ("What does set -e do?", "What is S?"): forms looked for
    deeper in the ranking, and not read by the confidence, which was not fitted on them."""
    return asked_option(question) is not None or bool(asked_terms(question))


def answer_form(question: str) -> Callable[[str], list[tuple[int, int]]] | None:
    """What finds, in a text, the answer in the form the question asks for, where that form is one of
    those known (an acronym spelt out, a by-line, an address, a speaker's name line); None for most questions."""
    acronym = asked_acronym(question)
    if acronym is not None:
        return lambda text: acronym_definitions(acronym, text)
    if asks_for_author(question):
        return bylines
    if asks_for_place(question):
        return addresses
    if asks_for_speaker(question):
        return speaker_lines
    option = asked_option(question)
    if option is not None:
        return lambda text: option_definitions(option, text)
    terms = asked_terms(question)
    if terms:
        return lambda text: term_definitions(terms, text)
    return None


# "If no option is given, then -f is assumed", "vi if neither is set": what holds when nothing is given.
_NONE_GIVEN = r"\bif\s+(?:neither|no|none)\b[^.;?]{0,60}?\b(?:is|are)\s+(?:set|given|specified|supplied)\b"
# "What is the default size …?", "Which port does it use by default?"
# A default asked in other words: "… if I never change it?", "Unless configured otherwise, …", "… out of the box?",
# "What is INDEX_CLEANUP set to when I run VACUUM without specifying it?",
# "Which editor does fc open if neither FCEDIT nor EDITOR is set?", "… before I customize anything?", "preselected",
# "… unless I say otherwise?", "If I leave out the optional factor, …", "… when the user leaves it off?".
_WHO = r"(?:i|you|we|one|they|the\s+users?|users?|someone)"
_DEFAULT_QUESTION = re.compile(
    rf"\bdefaults?\b|\b(?:if|when|unless)\s+{_WHO}\s+(?:never|don['’]?t|doesn['’]?t|do\s+not|does\s+not)\s+"
    r"(?:change|set|specify|configure|give|pass|touch|choose|pick|name|provide|supply|mention)\b"
    r"|\bunless\s+(?:configured|told|set|changed|(?:i|you|we)\s+(?:say|state|specify|ask|decide))\s+otherwise\b"
    rf"|\b(?:if|when)\s+{_WHO}\s+(?:leaves?|omits?)\s+(?:out\b|off\b|(?:it|them|that|this)\s+(?:out|off)\b)"
    r"|\bwithout\s+(?:setting|specifying|changing|choosing|giving|passing|naming)\s+(?:it|one|them|any(?:thing)?)\b"
    r"|\bbefore\s+(?:i|you|we)\s+(?:customi[sz]e|change|configure|adjust|touch|set)\b|\bpre-?(?:selected|configured)\b"
    rf"|\bout\s+of\s+the\s+box\b|{_NONE_GIVEN}",
    re.IGNORECASE,
)
# A sentence that states a default: "The default is 79 by 24.", "The default value of “hei” is 0.3633", "Default: 101",
# "(default 5)", "defaults to …", "… by default". Not a heading that merely names defaults ("Default settings").
_DEFAULT_STATED = re.compile(
    rf"\bby\s+default\b|\bdefaults?\s+to\b|\(\s*(?:the\s+)?default\b|\bdefaults?\s*[:=]|\bis\s+assumed\b|{_NONE_GIVEN}"
    r"|\bdefaults?\b(?:\s+[^\s.;:]+){0,8}?\s+(?:is|are|was|will\s+be|becomes)\b"
    r"|\bdefault\s+(?:settings?|values?)\s*[:=]|\bthe\s+default\s+(?:of\s+)?(?=[\d\"'‘“])|\b(?:is|are|was)\s+the\s+default\b"
    r"|\bthe\s+default\s*\(\s*[\d.\"'‘“][^()\s]{0,19}\s*\)"  # "The default (.1) is …", not "the default (first)"
    r"|\bdefault\s+of\s+(?=[\d\"'‘“])",  # "… not the OpenSSL default of 300s, but …", "a default of 10"
    re.IGNORECASE,
)


# "Which port does it run on by default?", "What is the default size of …?", "… which one is the default?": the
# default itself is asked; not "Which file sets the default locale?", where it only names the thing asked about.
_DEFAULT_VALUE_QUESTION = re.compile(
    r"\bby\s+default\b|\bwhat(?:'s|\s+is|\s+are|\s+was)\s+the\s+default\b|\bis\s+the\s+default\s*\?", re.IGNORECASE
)


def asks_for_default(question: str) -> bool:
    return bool(_DEFAULT_QUESTION.search(question))


def default_missing(question: str, answer: str) -> bool:
    """The question asks what a default is, and the answer states no default: a near miss that names the setting
    ("GracefulShutdownTimeout …") without its default, which the manual does not give."""
    return bool(_DEFAULT_VALUE_QUESTION.search(question)) and not default_statements(answer)


def default_statements(text: str) -> list[tuple[int, int]]:
    """Where ``text`` states a default value or behaviour. Why: a manual answers "what is the default X?" in the
    sentence after the one naming X ("LILYPOND_GC_YIELD A variable … that tunes memory management." then "The
    default value is 70."), and the naming sentence shares more of the question's words. The selector reads it
    as the asked-for form; retrieval does not lift passages by it, since many passages state some default."""
    return [m.span() for m in _DEFAULT_STATED.finditer(text)]


# "Which Ghostscript version does GLE need?", "What is the minimum version of GNU make required …?", "In which gnuplot
# version was stats introduced?", "How recent does my Ghostscript have to be?", "In which rustc release was it added?".
# Not a question about versions in general ("Which version parts is |version| meant to consist of?", "the version
# field", "version control").
_VERSION_QUESTION = re.compile(
    r"\b(?:what|which)\s+(?:is\s+the\s+|was\s+the\s+|are\s+the\s+)?"
    r"(?:(?!(?:do|does|did|is|are|was|were|can|could|should|will|would|has|have|had)\b)[\w.+-]+\s+){0,3}?"
    r"versions?\b(?!\s+(?:parts?|control|fields?|strings?|tags?|numbers?\s+fields?|scheme|history|store|tool)\b)"
    r"|\bhow\s+(?:recent|new)\s+(?:a\s+|an\s+)?(?:version\s+of\s+)?(?:[\w.+-]+\s+){0,3}?"
    r"(?:do|does|must|should|has|have|is|needs?)\b"
    r"|\b(?:what|which)\s+(?:(?!(?:do|does|did|is|are|was|were|can|could|should|will|would|has|have|had)\b)[\w.+-]+\s+){0,2}?"
    r"releases?\b(?!\s+(?:notes?|team|candidates?|critical|dates?|cycles?|managers?|files?|process|points?|labels?)\b)",
    re.IGNORECASE,
)
# A version stated: "version 9.56", "9.56 or later", "1.7.7", "Python 3.8", "v2.5" (a bare decimal, "0.5 cm", is not).
_VERSION_STATED = re.compile(
    r"\b(?i:version|release)s?\s+\d+(?:\.\d+)*\b|(?<![\w.])v\d+(?:\.\d+)+\b"
    r"|(?<![\w.])\d+(?:\.\d+)+\+?\s+(?i:or\s+(?:later|newer|higher|above|greater|up))\b"
    r"|(?<![\w.])\d+\.\d+\.\d+\b|\b[A-Z][\w+-]*\s+\d+(?:\.\d+)+\b"
)
# What a version answer cannot do without: a number that is not part of a word ("pip3", "PyQt5" are names).
_FIGURE = re.compile(r"(?<![A-Za-z])(?<![A-Za-z]-)\d")  # not in "UTF-8", "SHA-512", "x86-64": names


# "What is the statically linked version of sync called?" asks for a name: the version is a variant there.
_NAME_ASKED = re.compile(r"\b(?:called|named|known\s+as)\b", re.IGNORECASE)


def asks_for_version(question: str) -> bool:
    """ "Which command tells me what release of the MTA I'm running?" asks for the command, not the release."""
    found = _VERSION_QUESTION.search(question) and not _NAME_ASKED.search(question)
    return bool(found) and not asks_for_command(question)


def version_statements(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a version. Why: "how recent does my Ghostscript have to be?" is answered by "You will
    also need GPL Ghostscript version 9.56 or later", beside a sentence about Windows that shares more words."""
    return [m.span() for m in _VERSION_STATED.finditer(text)]


def version_missing(question: str, answer: str) -> bool:
    """The question asks which version, and the answer holds no number: a near miss that names the program
    ("Be sure to use GNU make") without the version the manual never gives."""
    return asks_for_version(question) and not _FIGURE.search(answer)
