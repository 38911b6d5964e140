"""French typography of a finished page: the spaces, signs and quotes a French reader expects.

The rules (Imprimerie nationale, *Lexique des règles typographiques*; CLDR ``fr`` for numbers,
which :mod:`eco_eval.report.fmt` writes through Babel):

- a narrow no-break space (U+202F) inside « » and before ``: ; ! ?``, so that a guillemet or a
  colon never starts a line on its own;
- the minus sign (U+2212), not the hyphen, before a negative number;
- nested quotes inside « » are “ ”.

:func:`french_text` applies them to a text, :func:`french_html` to the text of an HTML page (not
its tags, attributes, scripts or styles); :func:`typography_problems` lists what still breaks
them, for tests and checks of a rendered page.

>>> french_text("Période : « colle ton avis » ; écart -0,3 !")
'Période\\u202f: «\\u202fcolle ton avis\\u202f»\\u202f; écart \\u22120,3\\u202f!'
"""

from __future__ import annotations

import html as html_lib
import re

NNBSP = "\u202f"
MINUS = "\u2212"
_OPEN = re.compile(r"«[ \u00a0\t]*")
_CLOSE = re.compile(r"[ \u00a0\t]*»")
# a space before : ; ! ?, or none after a word when the sign ends a phrase (``(140); valeur``)
_BEFORE = re.compile(r"[ \u00a0\t]+([:;!?])|(?<=[\w)\]»%])([;!?])(?=\s|$)")
_NEGATIVE = re.compile(r"(^|[\s(\[«/\u202f\u00a0])-(?=\d)")
_MARKUP = re.compile(r"(<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<[^>]*>)", re.S | re.I)


def _inner_quotes(text: str) -> str:
    """« a « b » c » -> « a “b” c »: a guillemet inside guillemets becomes an English quote."""
    out, depth = [], 0
    for ch in text:
        if ch == "«":
            out.append("«" if depth == 0 else "“")
            depth += 1
        elif ch == "»" and depth > 0:
            depth -= 1
            out.append("»" if depth == 0 else "”")
        else:
            out.append(ch)
    text = re.sub(r"“[ \u00a0\u202f\t]+", "“", "".join(out))
    return re.sub(r"[ \u00a0\u202f\t]+”", "”", text)


def french_text(text: str) -> str:
    """``text`` with French spaces in and around « », before ``: ; ! ?`` and minus signs.

    A colon with no space before it is left alone (``7:02``, ``https://``)."""
    text = _inner_quotes(text)
    text = _OPEN.sub("«" + NNBSP, text)
    text = _CLOSE.sub(NNBSP + "»", text)
    text = _BEFORE.sub(lambda m: NNBSP + (m.group(1) or m.group(2)), text)
    return _NEGATIVE.sub(lambda m: m.group(1) + MINUS, text)


#: Text written by someone (a comment, an action, its owner) is shown as written: the page's
#: typography leaves the inside of ``<span class="as-written">`` (which holds only escaped text).
AS_WRITTEN = '<span class="as-written">'


def french_html(page: str) -> str:
    """The page with :func:`french_text` applied to its text between tags; markup, attributes,
    scripts, styles, comments and text shown as written (:data:`AS_WRITTEN`) are kept as they
    are, and the text stays escaped."""
    parts = _MARKUP.split(page)
    written = False
    for i, part in enumerate(parts):
        if i % 2:  # odd indices: a tag
            if part == AS_WRITTEN:
                written = True
            elif written and part == "</span>":
                written = False
        elif part.strip() and not written:
            parts[i] = html_lib.escape(french_text(html_lib.unescape(part)), quote=False)
    return "".join(parts)


_PROBLEMS = {
    "space after «": re.compile(r"«(?!\u202f)"),
    "space before »": re.compile(r"(?<!\u202f)»"),
    "space before : ; ! ?": re.compile(r"(?:[ \u00a0]|(?<=[\w)»]))[;!?](?=\s|$)|[ \u00a0]:"),
    "hyphen for minus": re.compile(r"(?:^|[\s(\[«])-\d"),
    "abbreviated points": re.compile(r"\d\s*pts\b"),
}


def typography_problems(text: str, *, context: int = 20) -> list[str]:
    """Every place of ``text`` (a page's visible text) that breaks the French rules above, as
    ``"rule: …excerpt…"``; empty when there is none."""
    found = []
    for rule, pattern in _PROBLEMS.items():
        for m in pattern.finditer(text):
            excerpt = text[max(0, m.start() - context) : m.end() + context].replace("\n", " ")
            found.append(f"{rule}: …{excerpt}…")
    return found
