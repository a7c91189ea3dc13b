"""The catalogues: every key the app can look up has an English and a Korean text.

Most keys are in `i18n/locales/<lang>/*.json`; the rest are derived from the registries
(optimizers, surfaces, schedules, presets, run settings) and looked up with an English
default in code.  They are enumerated here from the registries, so a new optimizer,
parameter, convention or preset without a Korean text fails this file.
"""

from __future__ import annotations

import re
import string
import threading
from pathlib import Path

import pytest

import i18n
import optim_core
import surfaces
from experiments import presets
from i18n import t
from optim_core import engine, schedules

KOREAN = "ko"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# A text may stay the same in Korean when all its words are proper names, library
# identifiers or symbols: these are the proper names.
PROPER_NAMES = {
    "SGD", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AMSGrad", "AdamW", "AdaMax", "NAdam",
    "L-BFGS", "L-BFGS-B", "Keras", "optax", "SciPy", "torch", "Reddi", "Kale", "Kumar",
    "Loshchilov", "Hutter", "Goh", "Distill", "Why", "Momentum", "Really", "Works",
    "Dive", "into", "Deep", "Learning",
}  # fmt: skip
IDENTIFIER = re.compile(r"\S*[._=(]\S*")  # torch.optim.Adagrad, centered=False), ...
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def derived_keys() -> dict[str, str]:
    """Every key the app looks up with an English default from a registry, with it."""
    keys: dict[str, str] = {}

    def param_keys(prefix: str, params) -> None:
        for p in params:
            keys[f"{prefix}.param.{p.name}.help"] = p.help
            keys.setdefault(f"param.{p.name}.label", p.name)

    for name in optim_core.names():
        spec = optim_core.spec(name)
        keys[f"optimizer.{name}.title"] = spec.title
        for part in ("idea", "fixes", "fails"):
            keys[f"optimizer.{name}.card.{part}"] = getattr(spec.card, part)
        param_keys(f"optimizer.{name}", spec.params)
        for c in spec.conventions:
            base = f"optimizer.{name}.convention.{c.name}"
            keys[f"{base}.title"], keys[f"{base}.reference"] = c.title, c.reference
            if c.note:
                keys[f"{base}.note"] = c.note
        for slot in spec.state:
            keys[f"optimizer.{name}.state.{slot.name}.help"] = slot.help
    for name in surfaces.names():
        definition = surfaces.definition(name)
        for part in ("title", "description", "lesson"):
            if getattr(definition, part):
                keys[f"surface.{name}.{part}"] = getattr(definition, part)
        param_keys(f"surface.{name}", definition.params)
    for name in schedules.names():
        spec = schedules.spec(name)
        for part in ("title", "description", "reference"):
            keys[f"schedule.{name}.{part}"] = getattr(spec, part)
        param_keys(f"schedule.{name}", spec.all_params)
    for key in presets.names():
        preset = presets.get(key)
        for part in ("title", "source", "figure", "description"):
            keys[f"preset.{key}.{part}"] = getattr(preset, part)
    for param in (engine.STEPS, engine.NOISE, engine.NOISE_MODE, engine.SEED, engine.GRADIENT,
                  engine.FD_STEP):  # fmt: skip
        keys[f"param.{param.name}.help"] = param.help
    for param in (engine.NOISE, engine.FD_STEP):  # the two with a generated label
        keys[f"param.{param.name}.label"] = param.name
    return keys


def english() -> dict[str, str]:
    """Every English text: the registry's defaults, overridden by the catalogue."""
    return {**derived_keys(), **i18n.catalog(i18n.DEFAULT_LANGUAGE)}


def test_registries_give_hundreds_of_keys():
    keys = derived_keys()
    assert len(keys) > 300
    assert "optimizer.adam.convention.folded.note" in keys
    assert "schedule.one_cycle.param.last_fraction.help" in keys


def test_every_english_key_has_a_korean_text():
    korean = i18n.catalog(KOREAN)
    missing = sorted(set(english()) - set(korean))
    assert not missing, missing


def test_every_korean_key_has_an_english_text():
    extra = sorted(set(i18n.catalog(KOREAN)) - set(english()))
    assert not extra, extra


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_korean_texts_fill_the_same_placeholders():
    en = english()
    wrong = {
        key: (fields(en[key]), fields(text))
        for key, text in i18n.catalog(KOREAN).items()
        if key in en and fields(en[key]) != fields(text)
    }
    assert not wrong, wrong


def only_names_and_symbols(text: str) -> bool:
    rest = IDENTIFIER.sub(" ", PLACEHOLDER.sub(" ", text))
    words = re.findall(r"[A-Za-z][A-Za-z-]+", rest)
    return all(word in PROPER_NAMES for word in words)


def test_korean_texts_are_translated():
    en = english()
    untranslated = {
        key: text
        for key, text in i18n.catalog(KOREAN).items()
        if not HANGUL.search(text) and not only_names_and_symbols(text)
    }
    assert not untranslated, untranslated
    same = [key for key, text in i18n.catalog(KOREAN).items() if en.get(key) == text]
    assert all(only_names_and_symbols(en[key]) for key in same)


@pytest.mark.parametrize(
    "name", ["gradient", "learning rate", "weight decay", "saddle point", "bias correction"]
)
def test_korean_uses_the_glossary_terms(name):
    glossary = (Path(i18n.__file__).parent / "glossary.md").read_text(encoding="utf-8")
    row = next(line for line in glossary.splitlines() if line.startswith(f"| {name} |"))
    term = row.split("|")[2].strip().split(" ")[0]
    korean = "\n".join(i18n.catalog(KOREAN).values())
    assert term in korean


def test_korean_says_gradient_one_way():
    korean = "\n".join(i18n.catalog(KOREAN).values())
    assert "기울기" in korean
    assert "그레이디언트" not in korean and "그래디언트" not in korean


def test_hyperparameter_widgets_show_the_concept_not_the_identifier():
    with i18n.use_language(KOREAN):
        assert t("param.weight_decay.label") == "가중치 감쇠"
        assert "`weight_decay`" in t("optimizer.sgd.param.weight_decay.help")
    assert t("param.weight_decay.label") == "weight decay"


def test_language_is_per_thread_and_context():
    seen: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def run(language: str) -> None:
        i18n.set_language(language)
        barrier.wait()  # both threads have set their language before either reads
        seen[language] = t("app.page.compare.nav")

    threads = [threading.Thread(target=run, args=(lang,)) for lang in ("ko", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"ko": "비교", "en": "Compare"}
    assert i18n.get_language() == "en"  # this thread was never touched
    with i18n.use_language("ko"):
        assert t("app.fig.saddle") == "안장점"
    assert t("app.fig.saddle") == "saddle point"


@pytest.mark.parametrize(
    ("locale", "language"),
    [("ko-KR", "ko"), ("ko", "ko"), ("KO_kr", "ko"), ("en-US", "en"), ("fr-FR", "en"),
     (None, "en"), ("", "en")],
)  # fmt: skip
def test_language_from_browser_locale(locale, language):
    assert i18n.language_from_locale(locale) == language


def test_an_unknown_language_falls_back_to_english():
    with i18n.use_language("xx"):
        assert i18n.get_language() == "en"


def test_parameter_errors_in_korean():
    error = optim_core.ParameterError("fps", 0, "an integer in [1, 50]")
    assert i18n.error_text(error) == str(error)
    with i18n.use_language(KOREAN):
        text = i18n.error_text(error)
    assert text == "fps: 허용되는 값은 [1, 50] 범위의 정수입니다 (받은 값: 0)"


# Latin words a run label may keep in Korean: optimizer names (the glossary keeps them in
# Latin script) and Keras's own class names.
LABEL_NAMES = {"SGD", "Momentum", "AdaGrad", "Adagrad", "RMSProp", "RMSprop", "Adam",
               "Adamax", "Nadam", "Nesterov", "L-BFGS"}  # fmt: skip


@pytest.mark.parametrize("key", presets.names())
def test_preset_run_labels_read_korean(key):
    for run in presets.get(key).experiment.runs:
        with i18n.use_language("ko"):
            shown = i18n.label_text(run.label)
        words = set(re.findall(r"[A-Za-z][A-Za-z-]*[A-Za-z]", shown)) - LABEL_NAMES
        assert not words, f"{run.label!r} shows {shown!r} in Korean"
        with i18n.use_language("en"):
            assert i18n.label_text(run.label) == run.label


def test_a_label_a_user_typed_is_shown_as_typed():
    with i18n.use_language("ko"):
        assert i18n.label_text("my run {0}") == "my run {0}"
