"""Home: what the playground is for, and the gallery of textbook presets (one click opens
a preset with its exact settings on Compare, or on Explore when it has one run)."""

import streamlit as st

from app_ui import lab as lab_ui
from app_ui import links, runs, sections
from app_ui.page import setup_page
from app_ui.text import message, plain
from experiments import Experiment, presets, settings_data
from i18n import error_text, t
from netlab.experiments import is_lab_settings
from optim_core import ParameterError
from viz import preview

GALLERY_COLUMNS = 3
SETTINGS_FILE_LIMIT = 256 * 1024  # bytes: a settings file is a few kB


def open_settings_file() -> None:
    """Open a settings file saved by an export panel (the training lab's too) or the
    command line; a file that is not valid settings gets a message naming the problem, and
    the page stays as it is."""
    upload = st.file_uploader(
        t("app.home.open_settings"), type="json", key="_settings_file",
        help=t("app.home.open_settings_help"),
    )  # fmt: skip
    if upload is None:
        return
    data = upload.getvalue()
    try:
        if len(data) > SETTINGS_FILE_LIMIT:
            raise ParameterError(
                "settings file", f"{len(data)} bytes", f"at most {SETTINGS_FILE_LIMIT} bytes"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ParameterError("settings file", upload.name, "UTF-8 JSON text") from None
        data = settings_data(text)
        if is_lab_settings(data):
            lab_ui.open_lab_file(data)
            return
        experiment = Experiment.from_dict(data)
    except ParameterError as error:
        st.error(
            t(
                "app.home.settings_error",
                name=plain(upload.name),
                message=message(error_text(error)),
            )
        )
        return
    st.switch_page(
        links.experiment_page(experiment), query_params=links.experiment_link_params(experiment)
    )


page = setup_page("home")
st.title(t("common.app_name"))
st.markdown(t("app.home.intro"))
cols = st.columns(4)
cols[0].page_link(links.EXPLORE_PAGE, label=t("app.home.go_explore"), icon=":material/search:")
cols[1].page_link(
    links.COMPARE_PAGE, label=t("app.home.go_compare"), icon=":material/compare_arrows:"
)
cols[2].page_link(
    links.SCHEDULES_PAGE, label=t("app.home.go_schedules"), icon=":material/trending_down:"
)
cols[3].page_link(links.LAB_PAGE, label=t("lab.home.go"), icon=":material/model_training:")

open_settings_file()

st.header(t("app.home.gallery"))
st.caption(t("app.home.gallery_help"))
columns = st.columns(GALLERY_COLUMNS)
for i, key in enumerate(presets.names()):
    preset = presets.get(key)
    target = links.preset_page(preset)
    with columns[i % GALLERY_COLUMNS].container(border=True):
        st.markdown(f"**{t(f'preset.{key}.title', default=preset.title)}**")
        st.caption(
            f"{t(f'preset.{key}.source', default=preset.source)} — {t(f'preset.{key}.figure', default=preset.figure)}"
        )
        try:
            trajectories = runs.run_experiment(preset.experiment)
            st.plotly_chart(
                preview.preview_figure(preset.experiment.surface_object(), trajectories,
                                       sections.run_labels(preset.experiment.runs), dark=page.dark),
                key=f"preview_{key}", theme=None, config={"staticPlot": True},
            )  # fmt: skip
        except ParameterError as error:  # a preset the engine refuses still opens
            st.error(t("app.run.error", message=message(error_text(error))))
        st.markdown(t(f"preset.{key}.description", default=preset.description))
        st.page_link(
            target,
            label=t(
                "app.home.open_compare" if target == links.COMPARE_PAGE else "app.home.open_explore"
            ),
            icon=":material/play_arrow:",
            query_params=links.preset_params(preset),
        )
page.finish()
