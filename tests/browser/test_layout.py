"""What only a browser can tell: whether text fits where it is drawn."""

from __future__ import annotations

import pytest

import surfaces
from tests.browser.test_e2e import exception_boxes, open_page

# The first formula in the sidebar is the surface's (nothing above it is math).  It
# fits when no box that holds it, from its element's box down to KaTeX's line pieces, is wider
# inside than it is on screen, and the formula ends inside the sidebar.  (Deeper inside,
# KaTeX clips on purpose: the MathML copy for screen readers, a root sign's long tail.)
FORMULA_FIT_JS = """() => {
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const formula = sidebar.querySelector('.katex');
  const block = formula.closest('[data-testid="stMarkdownContainer"]');
  const boxes = [...block.querySelectorAll('.katex-display, .katex, .katex-html, .base')];
  const element = block.closest('[data-testid="stElementContainer"]');
  for (let box = block; box && box !== element.parentElement; box = box.parentElement) boxes.push(box);
  const overflow = Math.max(...boxes.map(box => box.scrollWidth - box.clientWidth));
  const inner = sidebar.querySelector('[data-testid="stSidebarContent"]') || sidebar;
  const beyond = formula.getBoundingClientRect().right - inner.getBoundingClientRect().right;
  return {overflow, beyond, text: formula.querySelector('.katex-html').textContent};
}"""


@pytest.mark.parametrize("name", surfaces.names())
def test_every_surface_formula_fits_the_default_sidebar(page, app_url, name):
    open_page(page, f"{app_url}/Explore?surface={name}")
    fit = page.evaluate(FORMULA_FIT_JS)
    assert fit["text"].startswith("f"), fit  # the surface's formula, not another one
    assert fit["overflow"] <= 1, fit
    assert fit["beyond"] <= 1, fit
    assert exception_boxes(page) == 0
