"""Text from visitors (run labels, names and values from a link or a settings file, file
names) inside Markdown: Streamlit renders Markdown in messages, captions and widget
labels, where ``![x](http://host/x.png)`` would make the browser fetch that address and
``[a](http://host)`` would become a link."""

from __future__ import annotations

import re

from foundation.params import MAX_ECHO_CHARS, shorten

# Every ASCII character Markdown, Streamlit's directives (":red[...]", ":material/x:")
# or KaTeX ("$") give a meaning; CommonMark shows a backslash-escaped one as typed.
_MARKDOWN_CHARACTERS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:&=\"'])")
# An error message is ours, with the visitor's value already shortened inside it.
MAX_MESSAGE_CHARS = 600


def plain(text: object, limit: int = MAX_ECHO_CHARS) -> str:
    """`text` on one line, shortened to `limit` characters, shown as typed in Markdown.

    >>> plain("![x](http://host/x.png)")
    '\\\\!\\\\[x\\\\]\\\\(http\\\\://host/x\\\\.png\\\\)'
    >>> len(plain("x" * 250_000))
    80
    """
    return _MARKDOWN_CHARACTERS.sub(r"\\\1", shorten(" ".join(str(text).split()), limit))


def message(text: object) -> str:
    """An error message that may quote a visitor's value, for an error box."""
    return plain(text, MAX_MESSAGE_CHARS)
