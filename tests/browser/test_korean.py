"""The Korean interface in real Chromium: every page, the language switch and the link."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_e2e import PAGES, exception_boxes, open_page

# Visible text that is neither math (KaTeX), code, an icon's ligature name nor a chart.
# The file uploader's drop zone ("Upload", "Limit 200MB per file") is Streamlit's own
# text, which Streamlit does not translate: it is left out too.
VISIBLE_TEXT_JS = """() => {
  const roots = [...document.querySelectorAll('[data-testid="stSidebar"], [data-testid="stMain"]')];
  const skip = '.katex, code, pre, [aria-hidden="true"][translate="no"], '
             + '[data-testid="stIconMaterial"], [data-testid="stFileUploaderDropzone"]';
  return roots.map(root => {
    const copy = root.cloneNode(true);
    copy.querySelectorAll(skip).forEach(node => node.remove());
    document.body.appendChild(copy);  // innerText needs layout
    const text = copy.innerText;
    copy.remove();
    return text;
  }).join('\\n');
}"""
CHART_TEXT_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')]
    .map(chart => [...chart.querySelectorAll('text, .updatemenu-item-text')]
    .map(node => node.textContent).join('\\n')).join('\\n')"""
WORD = re.compile(r"[A-Za-zé][A-Za-z0-9é-]*[A-Za-z0-9]")
# Latin words a Korean page may show: proper names (optimizers, libraries, books, people),
# the language switch's "English".
ALLOWED_WORDS = {
    "SGD", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AMSGrad", "AdamW", "AdaMax", "NAdam",
    "Nadam", "NAG", "L-BFGS", "L-BFGS-B", "Keras", "optax", "SciPy", "torch", "PNG", "SVG",
    "PDF", "GIF", "MP4", "HTML", "CSV", "JSON", "English", "Language", "Dive", "into", "Deep",
    "Learning", "Why", "Momentum", "Really", "Works", "Goh", "Distill", "Zhang", "Beale",
    "Goodfellow", "Bengio", "Courville", "Smith", "pytorch-optimizer", "cycle", "log",
    "Kingma", "Ba", "Zeiler", "Dozat", "Nesterov", "Sutskever", "Reddi", "Kale", "Kumar",
    "Loshchilov", "Hutter", "Nocedal", "Wright", "Numerical", "Optimization", "Byrd", "Lu",
    "Zhu", "Moré", "Thuente", "Ng", "Andrew", "Specialization", "CS231n", "SGDR", "EMA",
}  # fmt: skip
# Keras's own class names, which the Hands-On ML preset's runs carry as labels.
ALLOWED_WORDS |= {"Adagrad", "RMSprop", "Adamax"}
# torch.optim.SGD(momentum=μ, file names, links, CamelCase class names, numbers (1e-7)
IDENTIFIER = re.compile(r"\S*[._=(/]\S*|\b[A-Z][a-z]+[A-Z]\w*|\d+(?:\.\d+)?e[-+]?\d+")
RAW_KEY = re.compile(
    r"\b(app|export|optimizer|surface|schedule|param|preset|common|error)\.[a-z0-9_]+\.[a-z0-9_.]+"
)


def english_words(text: str) -> set[str]:
    words = WORD.findall(IDENTIFIER.sub(" ", text))
    return {word for word in words if word not in ALLOWED_WORDS}


def korean_page(browser, url: str, locale: str = "ko-KR"):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    open_page(page, url)
    return context, page


@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_korean_has_no_english_words_and_no_raw_keys(browser, app_url, path):
    # An English browser: the link's ?lang=ko alone makes the page Korean.
    context, page = korean_page(browser, f"{app_url}/{path}?lang=ko", locale="en-US")
    try:
        assert exception_boxes(page) == 0
        text = page.evaluate(VISIBLE_TEXT_JS) + "\n" + page.evaluate(CHART_TEXT_JS)
        assert re.search(r"[\uac00-\ud7a3]", text)
        assert not english_words(text), sorted(english_words(text))
        assert not RAW_KEY.search(text), RAW_KEY.search(text).group(0)
        assert parse_qs(urlparse(page.url).query)["lang"] == ["ko"]
    finally:
        context.close()


def test_first_visit_follows_the_browser_and_a_link_keeps_its_language(browser, app_url):
    # A Korean browser opens the app in Korean, and the link says so ...
    context, page = korean_page(browser, f"{app_url}/Compare?surface=rosenbrock")
    assert page.get_by_role("heading", name="옵티마이저 비교").count() == 1
    link = page.url
    assert parse_qs(urlparse(link).query)["lang"] == ["ko"]
    context.close()
    # ... so the link opens in Korean in an English browser too, with its settings.
    context, page = korean_page(browser, link, locale="en-US")
    assert page.get_by_role("heading", name="옵티마이저 비교").count() == 1
    assert parse_qs(urlparse(page.url).query)["surface"] == ["rosenbrock"]
    # The switch turns the page English and writes lang=en; that link opens in English
    # in a Korean browser.
    page.locator('[data-testid="stSidebar"] button', has_text="English").click()
    page.get_by_role("heading", name="Compare optimizers").wait_for()
    page.wait_for_function("() => location.search.includes('lang=en')")
    query = parse_qs(urlparse(page.url).query)
    assert query["lang"] == ["en"] and query["surface"] == ["rosenbrock"]
    english_link = page.url
    # Another page through the sidebar keeps the language.
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]', has_text="Explore").click()
    page.get_by_role("heading", name="Explore one optimizer").wait_for()
    context.close()
    context, page = korean_page(browser, english_link)
    assert page.get_by_role("heading", name="Compare optimizers").count() == 1
    assert exception_boxes(page) == 0
    context.close()
