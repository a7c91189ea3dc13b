"""Training lab: Deep Learning from Scratch's network experiments on the digits, stepped
by the same optimizer definitions as the 2-D surfaces."""

import streamlit as st

from app_ui import fields
from app_ui import lab as lab_ui
from app_ui.page import setup_page
from i18n import t

page = setup_page("lab")
side = st.sidebar
kind = fields.choice(page, "exp", t("lab.ctl.experiment"), lab_ui.KINDS, "compare",
                     titles=lambda k: t(f"lab.exp.{k}.title"), container=side,
                     help=t("lab.ctl.experiment_help"))  # fmt: skip
settings = lab_ui.settings_controls(page, kind, side)

st.title(t("app.page.lab.title"))
st.markdown(t("lab.intro"))
st.subheader(t(f"lab.exp.{kind}.title"))
st.markdown(t(f"lab.exp.{kind}.about"))
st.info(t(f"lab.exp.{kind}.measured"), icon=":material/science:")
lab_ui.show(page, kind, settings)
page.finish()
