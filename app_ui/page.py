"""Page setup shared by every page: config, theme, presenter view, navigation, notes.

Every page starts with `setup_page` and ends with `Page.finish`.  Notes about the link
(a malformed or out-of-range URL value that fell back to its default) are collected
while the controls render and shown at the top of the page when it finishes.

A page opened from a link shows the link's values.  Streamlit 1.67 keeps a URL-bound
widget's value by key across pages, and that kept value beats the URL of a page the
session enters again; it also drops from the new page's query parameters every value
whose key was last bound on another page (the pages share keys: ``surface``,
``o1_lr``, ...).  So when a run enters a page, `setup_page` reads the link as the
browser asked for it, forgets the session's values of the keys it names, puts dropped
values back into the URL, and the controls (`app_ui.fields`) write each valid link
value into the widget's state.  Keys the link does not name keep the session's values.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import streamlit as st

import i18n
from foundation.params import shorten
from i18n import t
from viz import layout

# Once per server process (a module is imported once; page scripts run on every rerun):
# hide what the server has loaded by now (Streamlit, Tornado, NumPy, Plotly, our packages)
# from the cycle collector, which otherwise walks all of it in every full collection.
# Measured over 30 Compare reruns (4 x 300 steps, AppTest, a loaded 2-core machine): a
# full collection came every 6-7 reruns and paused the rerun 247 ms with nothing
# frozen (253k objects tracked), 91 ms with this freeze (85k left: what the first run
# builds, the compiled engine among them).  The browser benchmark's redraw medians
# could not tell the two apart on this machine (ratio 1.10 / 1.47 with, 1.31 / 1.86
# without): the pause hits one redraw in seven, not the median.
gc.collect()  # nothing that is already garbage gets frozen
gc.freeze()

PAGES = (
    ("app.py", "home"),
    ("pages/1_Explore.py", "explore"),
    ("pages/2_Compare.py", "compare"),
    ("pages/3_Schedules.py", "schedules"),
    ("pages/4_Sweeps.py", "sweeps"),
    ("pages/5_Training_lab.py", "lab"),
)
PAGE_ICONS = {
    "home": ":material/home:",
    "explore": ":material/search:",
    "compare": ":material/compare_arrows:",
    "schedules": ":material/trending_down:",
    "sweeps": ":material/grid_on:",
    "lab": ":material/model_training:",
}
NOTE_CHARS = 60  # of a URL value quoted in a note
MAX_NOTES = 20  # notes listed at the top of a page; the rest are counted
# The browser tab's icon.  Streamlit 1.67 draws `:material/...:` icons in the page with
# the font it serves itself, but fetches a `:material/...:` *page icon* from
# fonts.gstatic.com: a room without internet saw broken icons.  An emoji becomes an
# inline SVG instead (tests/browser/test_offline.py).
TAB_ICONS = {"home": "🏠", "explore": "🔍", "compare": "⚖️", "schedules": "📉"}
PRESENT_KEY = "present"  # ?present=1 opens the presenter view
LANG_KEY = "lang"  # ?lang=ko: always in the link, so a shared link keeps its language
PAGE_KEYS = frozenset({LANG_KEY, PRESENT_KEY})  # read by every page, not by a control
_LANG_STATE = "_lang"  # the session's language, for pages opened without ?lang
_LANG_SWITCH = "_lang_switch"
_LAST_PAGE = "_last_page"  # the page the session's previous run showed
_PRESENT_ON = ("1", "true", "yes", "on")
_PRESENT_OFF = ("0", "false", "no", "off")

# Streamlit has no setting for the main column's top padding (6rem) or the title's size,
# and together they pushed the chart below the fold of a 1440 x 900 screen: the padding
# is cut to the fixed header's height (3.75rem) plus a little, the title made smaller.
_PAGE_CSS = """
<style>
div[data-testid="stMainBlockContainer"] { padding-top: 4.25rem; }
h1 { font-size: 2.1rem !important; padding-top: 0.25rem !important; }
</style>
"""
PRESENT_EXIT_KEY = "present_exit"  # `.st-key-present_exit`: the leave button's box
# The presenter view hides the sidebar (no setting does), enlarges the text for the back
# of the room, and puts the leave button into the fixed header bar, next to Streamlit's
# menu: in the flow it cost a line above the chart and slid under the header.
_PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"] { display: none !important; }
div[data-testid="stMainBlockContainer"] { max-width: 100%; }
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
h1 { font-size: 2.4rem !important; }
.st-key-present_exit { position: fixed; top: 0.55rem; right: 4.5rem; width: auto !important;
  z-index: 999991; }
.st-key-present_exit button { min-height: 2.2rem; padding: 0.1rem 0.9rem; }
</style>
"""


@dataclass
class Note:
    """A URL value that could not be used: its parameter, the value and what is allowed."""

    key: str
    value: str
    allowed: str
    used: str | None = None  # what the control made of it, when not its default
    unknown: bool = False  # no control on this page reads this parameter


@dataclass
class Page:
    """What the controls and figures of one page run need to know."""

    name: str
    dark: bool
    presenter: bool
    notes: list[Note] = field(default_factory=list)
    manual_keys: set[str] = field(default_factory=set)
    url_keys: set[str] = field(default_factory=set)  # every URL name a control read
    top: object = None  # placeholder at the top of the page for link notes
    recommend_for: str | None = None  # a surface other than the page's own: its advice applies
    compact: bool = False  # a phone: charts take their narrow-screen layout
    link: dict[str, list[str]] = field(default_factory=dict)  # when entered from a link

    def url_values(self, key: str) -> list[str]:
        """`key`'s values in the URL: the link's when this run entered the page from one."""
        if key in self.link:
            return self.link[key]
        return st.query_params.get_all(key)

    def from_link(self, key: str) -> bool:
        """Whether this run entered the page from a link that names `key`."""
        return key in self.link

    @property
    def font_size(self) -> int:
        return layout.PRESENTER_FONT_SIZE if self.presenter else layout.FONT_SIZE

    def note(self, key: str, value: object, allowed: str, used: str | None = None) -> None:
        """Note a URL value; the key and value go inside a code span, as typed."""
        self.notes.append(Note(_code_span(key), _code_span(value), allowed, used))

    def finish(self, *, complete: bool = True) -> None:
        """Show the link notes and drop unbound URL parameters no control used.  When
        every control has rendered (`complete`), a parameter none of them reads is named
        in a note and removed from the link."""
        self._drop_stale_manual_keys()
        if complete:
            self._drop_unknown_keys()
        if self.notes and self.top is not None:
            lines = [
                t("app.url.unknown", name=n.key, value=n.value)
                if n.unknown
                else t("app.url.bad_value", name=n.key, value=n.value, allowed=n.allowed)
                if n.used is None
                else t(
                    "app.url.coerced_value",
                    name=n.key,
                    value=n.value,
                    allowed=n.allowed,
                    used=n.used,
                )
                for n in self.notes[:MAX_NOTES]
            ]
            if len(self.notes) > MAX_NOTES:  # a link with thousands of made-up parameters
                lines.append(t("robust.url.more_notes", count=len(self.notes) - MAX_NOTES))
            self.top.warning(t("app.url.notes_title") + "\n\n" + "\n".join(f"- {x}" for x in lines))

    def _drop_unknown_keys(self) -> None:
        known = self.url_keys | self.manual_keys | PAGE_KEYS
        for key in [k for k in st.query_params if k not in known]:
            self.note(key, st.query_params.get(key, ""), "")
            self.notes[-1].unknown = True
            del st.query_params[key]

    def _drop_stale_manual_keys(self) -> None:
        known = st.session_state.setdefault("_manual_url_keys", set())
        for key in list(known - self.manual_keys):
            if key in st.query_params:
                del st.query_params[key]
        st.session_state["_manual_url_keys"] = set(self.manual_keys)


def _code_span(value: object) -> str:
    """A visitor's text for a Markdown code span: one line, no backtick (which would
    end the span), at most NOTE_CHARS characters."""
    text = value if isinstance(value, str) else repr(value)
    return shorten(" ".join(text.replace("`", "'").split()), NOTE_CHARS)


def _theme_is_dark() -> bool:
    try:
        theme = st.context.theme
        return (
            theme.get("type") if hasattr(theme, "get") else getattr(theme, "type", None)
        ) == "dark"
    except Exception:  # older runtimes or bare-mode tests have no theme information
        return False


def _is_phone() -> bool:
    """Whether the browser says it is a phone: "Mobi" in its User-Agent, the test MDN
    recommends.  Streamlit tells the server nothing about the screen's width, and a
    chart's layout (button rows, legend, height) is fixed when the figure is built."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except Exception:  # bare-mode tests have no browser
        return False
    return "Mobi" in agent


def _presenter_from_url(page: Page) -> bool:
    raw = st.query_params.get(PRESENT_KEY)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _PRESENT_ON:
        return True
    if value not in _PRESENT_OFF:
        page.note(PRESENT_KEY, raw, t("app.url.present_allowed"))
    del st.query_params[PRESENT_KEY]  # "off" is the default: keep the link short
    return False


def _language_from_request(page: Page) -> str:
    """The link's ``lang``, else this session's language, else the browser's."""
    raw = st.query_params.get(LANG_KEY)
    if raw is not None and i18n.normalize(raw) is not None:
        return i18n.normalize(raw)
    language = st.session_state.get(_LANG_STATE)
    if language not in i18n.languages():
        try:
            locale = st.context.locale
        except Exception:  # bare-mode tests have no browser
            locale = None
        language = i18n.language_from_locale(locale)
    if raw is not None:
        with i18n.use_language(language):
            page.note(LANG_KEY, raw, t("app.field.one_of", options=", ".join(i18n.languages())))
    return language


def _apply_language(page: Page) -> str:
    """Make this run's language current and write it into the link."""
    language = i18n.set_language(_language_from_request(page))
    st.session_state[_LANG_STATE] = language
    if st.query_params.get(LANG_KEY) != language:
        st.query_params[LANG_KEY] = language
    page.manual_keys.add(LANG_KEY)
    return language


def _switch_language() -> None:
    language = st.session_state.get(_LANG_SWITCH)
    if language in i18n.languages():
        st.session_state[_LANG_STATE] = language
        st.query_params[LANG_KEY] = language


def _set_presenter(on: bool) -> None:
    if on:
        st.query_params[PRESENT_KEY] = "1"
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]


def _requested_query_string() -> str:
    """The query string this run was asked for (a link's, on entering a page), before
    Streamlit drops the values bound to other pages from `st.query_params`."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    context = get_script_run_ctx()
    return context.query_string if context is not None else ""


def _enter_from_link(name: str) -> dict[str, list[str]]:
    """On entering page `name`, the link's values (see the module's docstring); {} on a
    rerun of the same page, whose URL the widgets themselves keep."""
    entered = st.session_state.get(_LAST_PAGE) != name
    st.session_state[_LAST_PAGE] = name
    if not entered:
        return {}
    link = {
        key: values
        for key, values in parse_qs(_requested_query_string(), keep_blank_values=True).items()
        if key not in PAGE_KEYS
    }
    for key, values in link.items():
        if key in st.session_state:
            del st.session_state[key]  # the link's value, not the session's, comes first
        if key not in st.query_params:  # dropped as bound to another page: unbound now
            st.query_params[key] = values if len(values) > 1 else values[0]
    return link


def setup_page(name: str, *, wide: bool = True) -> Page:
    """Configure the page and draw the shared sidebar (navigation, presenter switch)."""
    link = _enter_from_link(name)
    probe = Page(name=name, dark=False, presenter=False, link=link)
    language = _apply_language(probe)
    presenter = _presenter_from_url(probe)
    st.set_page_config(
        page_title=f"{t(f'app.page.{name}.title')} · {t('common.app_name')}",
        page_icon=TAB_ICONS.get(name),
        layout="wide" if wide else "centered",
        initial_sidebar_state="collapsed" if presenter else "auto",
    )
    page = Page(name=name, dark=_theme_is_dark(), presenter=presenter, notes=probe.notes,
                manual_keys=probe.manual_keys, compact=_is_phone(), link=link)  # fmt: skip
    page.top = st.container()
    st.html(_PAGE_CSS)
    if presenter:
        st.html(_PRESENTER_CSS)
        st.container(key=PRESENT_EXIT_KEY).button(
            t("app.present.exit"),
            key="_present_exit",
            on_click=_set_presenter,
            args=(False,),
            help=t("app.present.exit_help"),
        )
    with st.sidebar:
        st.markdown(f"### {t('common.app_name')}")
        st.session_state[_LANG_SWITCH] = language
        st.segmented_control(
            t("app.lang.label"), i18n.languages(), format_func=i18n.LANGUAGE_NAMES.get,
            key=_LANG_SWITCH, on_change=_switch_language, required=True,
            help=t("app.lang.help"),
        )  # fmt: skip
        for path, key in PAGES:
            st.page_link(path, label=t(f"app.page.{key}.nav"), icon=PAGE_ICONS[key],
                         query_params={LANG_KEY: language})  # fmt: skip
        st.button(
            t("app.present.enter"),
            key="_present_enter",
            on_click=_set_presenter,
            args=(True,),
            help=t("app.present.enter_help"),
            width="stretch",
        )
        st.divider()
    if presenter:
        page.manual_keys.add(PRESENT_KEY)
    return page
