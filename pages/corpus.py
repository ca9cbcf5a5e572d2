"""Corpus page: bring in text (the demo corpus or an upload), then see what is in it."""

from __future__ import annotations

import streamlit as st

from embedlab.app import corpus as corpus_view
from embedlab.app import ui
from embedlab.app.charts.corpus import sentence_length_figure, zipf_figure
from embedlab.app.markup import escape_markdown
from embedlab.ingest.corpus import TokenizeOptions, read_stats
from embedlab.jobs.corpora import ensure_demo_corpus

SELECT = "corpus_select"
ADDED = "corpus_added"  # the corpus just added: the select box shows it next
FLASH = "corpus_flash"
UPLOADS = "corpus_upload_round"  # bumped after an ingest, so the uploader starts empty


@st.cache_data(max_entries=8, show_spinner=False)
def _zipf(path: str):  # noqa: ANN202 - a plotly Figure
    return zipf_figure(ui.corpus_vocab(path))


@st.cache_data(max_entries=16, show_spinner=False)
def _options(path: str) -> dict | None:
    return read_stats(path).extra.get("options")


def options_ui() -> tuple[TokenizeOptions, str]:
    """The preprocessing widgets; returns the options and the text column ('' = guess)."""
    columns, values = st.columns(2), {}
    for field, col, widget, label, args in corpus_view.option_widgets():
        values[field] = getattr(columns[col], widget)(label, **args)
    return corpus_view.tokenize_options(values), values["text_column"]


ws = ui.workspace()
st.title("Corpus")
st.markdown(corpus_view.INTRO)
if FLASH in st.session_state:
    kind, message = st.session_state.pop(FLASH)
    getattr(st, kind)(message)

demo_col, upload_col = st.columns(2, gap="large")
with demo_col:
    st.subheader("Use the demo corpus")
    st.caption(corpus_view.DEMO_NOTE)
    use_demo = st.button(corpus_view.DEMO_BUTTON, key="corpus_demo", type="primary")
with upload_col:
    st.subheader("Upload your own")
    round_ = st.session_state.setdefault(UPLOADS, 0)
    files = st.file_uploader(
        "Text files", corpus_view.UPLOAD_TYPES, accept_multiple_files=True,
        key=f"corpus_upload_{round_}", max_upload_size=ui.upload_limit_mb(),
        help=corpus_view.upload_help(ui.upload_limit_text()),
    )  # fmt: skip
    st.caption(corpus_view.ZIP_NOTE)
    with st.expander("Preprocessing options"):
        options, text_column = options_ui()
    name = st.text_input("Corpus name", key="corpus_name", help=corpus_view.NAME_HELP,
                         max_chars=80, placeholder="named after the file")  # fmt: skip
    ingest = st.button("Ingest", key="corpus_ingest", disabled=not files)

if use_demo:
    with ui.shown_errors(), st.spinner("Reading the demo corpus…"):
        record, created = ensure_demo_corpus(ws)
        st.session_state[ADDED] = record.name
        kind, message = corpus_view.demo_message(record, created)
        getattr(st, kind)(message)

if ingest and files:
    bar = st.progress(0.0, text="Reading and cleaning the text…")
    records, errors = corpus_view.ingest_uploads(
        ws, [(f.name, f.getvalue()) for f in files], name, options=options,
        text_column=text_column, max_mb=ui.upload_limit_mb(),
        on_progress=lambda done, total: bar.progress(
            done / total, text=f"Reading and cleaning the text… {done / total:.0%}"
        ),
    )  # fmt: skip
    bar.empty()
    added = corpus_view.ingest_outcome(records, errors)
    for error in added.errors:
        st.error(error)
    st.session_state[ADDED] = added.select
    if added.start_over:  # an empty uploader; after an error the files stay, to retry
        st.session_state[UPLOADS] = round_ + 1
        st.session_state[FLASH] = ("success", added.message)
        st.rerun()
    if added.message:
        st.success(added.message)

if not (corpora := ws.corpora()):
    st.info("No corpus yet: use the demo corpus or upload a text file above to begin.")
    st.stop()

names = [c.name for c in corpora]
linked = (ui.linked_params("corpus", ["corpus"]) or {}).get("corpus")
added = st.session_state.pop(ADDED, None)
shown, note = corpus_view.shown_corpus(names, st.session_state.get(SELECT), linked, added)
if note:
    st.warning(note)
st.session_state[SELECT] = shown
st.divider()
selected = st.selectbox("Corpus", names, key=SELECT, help=corpus_view.SELECT_HELP)
st.session_state[corpus_view.SELECTED] = selected
ui.keep_in_url("corpus", {"corpus": selected})
record = next(c for c in corpora if c.name == selected)
stats, path = record.stats, str(record.path)

with ui.shown_errors():
    st.caption(corpus_view.source_caption(record, _options(path)))
    figures = corpus_view.corpus_metrics(stats)
    for col, (label, value, tip) in zip(st.columns(5), figures, strict=True):
        col.metric(label, value, help=tip)
    st.page_link("pages/train.py", label="**Next: train a model on this corpus →**",
                 icon=":material/model_training:")  # fmt: skip

    zipf_col, top_col = st.columns([3, 2], gap="large")
    zipf_col.markdown("**Word frequencies (Zipf plot)**")
    zipf_col.caption(corpus_view.ZIPF_NOTE)
    zipf_col.plotly_chart(_zipf(path), key="corpus_zipf", width="stretch")
    top_col.markdown("**Most frequent words**")
    top_col.dataframe(
        corpus_view.top_words_table(stats["top_words"], stats["tokens"]), hide_index=True,
        height=420, key="corpus_top_words",
        column_config={"share of tokens": st.column_config.NumberColumn(format="percent")},
    )  # fmt: skip

    length_col, oov_col = st.columns([3, 2], gap="large")
    length_col.markdown("**Sentence lengths**")
    length_col.caption(corpus_view.LENGTHS_NOTE)
    lengths = sentence_length_figure(stats["sentence_lengths"])
    length_col.plotly_chart(lengths, key="corpus_lengths", width="stretch")
    oov_col.markdown("**What a min count leaves out**")
    oov_col.caption(corpus_view.MIN_COUNT_NOTE)
    min_count = oov_col.slider("Min count", 1, 50, 5, key="corpus_oov_min_count")
    cover = ui.corpus_coverage(path, int(min_count))
    oov_col.metric(f"Tokens dropped at min count {min_count}", f"{cover.oov_share:.1%}",
                   help=corpus_view.DROPPED_HELP)  # fmt: skip
    oov_col.caption(corpus_view.kept_note(cover))

with st.expander("Delete this corpus"):
    st.caption("Removes the corpus's files from the workspace; models trained on it stay.")
    sure = st.checkbox(f"Yes, delete {escape_markdown(record.name)}",
                       key=f"corpus_delete_sure_{record.id}")  # fmt: skip
    if st.button("Delete corpus", key="corpus_delete", disabled=not sure):
        with ui.shown_errors():
            st.session_state[FLASH] = ("success", corpus_view.delete_corpus(ws, record))
            st.rerun()
