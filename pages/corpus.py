"""Corpus page: bring in text (the demo corpus or an upload), then see what is in it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from embedlab.app import corpus as corpus_view
from embedlab.app import ui
from embedlab.app.charts.corpus import sentence_length_figure, zipf_figure
from embedlab.app.markup import escape_markdown
from embedlab.ingest.corpus import TokenizeOptions, read_stats, read_vocab
from embedlab.jobs.corpora import ensure_demo_corpus

UPLOAD_TYPES = ["txt", "text", "cor", "md", "gz", "zip", "csv", "tsv", "jsonl", "ndjson"]
SELECT = "corpus_select"
SHARED = "selected_corpus"  # read by the Train page to preselect this corpus
FLASH = "corpus_flash"
UPLOADS = "corpus_upload_round"  # bumped after an ingest, so the uploader starts empty


@st.cache_resource(max_entries=4, show_spinner=False)
def _vocab(path: str) -> list[tuple[str, int]]:  # shared and read-only: never mutate it
    return read_vocab(path)


@st.cache_data(max_entries=8, show_spinner=False)
def _zipf(path: str):  # noqa: ANN202 - a plotly Figure
    return zipf_figure(_vocab(path))


@st.cache_data(max_entries=64, show_spinner=False)
def _coverage(path: str, min_count: int) -> corpus_view.Coverage:
    return corpus_view.coverage(_vocab(path), min_count)


@st.cache_data(max_entries=16, show_spinner=False)
def _options(path: str) -> dict | None:
    return read_stats(path).extra.get("options")


def options_ui() -> tuple[TokenizeOptions, str]:
    """The preprocessing widgets; returns the options and the text column ('' = guess)."""
    defaults = TokenizeOptions()
    left, right = st.columns(2)
    with left:
        lowercase = st.checkbox(
            "Lower-case",
            value=defaults.lowercase,
            key="corpus_lowercase",
            help="Treat 'The' and 'the' as the same word.",
        )
        strip = st.checkbox(
            "Strip punctuation",
            value=defaults.strip_punctuation,
            key="corpus_punctuation",
            help="Drop commas, full stops and other marks; keep only words.",
        )
        numbers = st.checkbox(
            "Drop numbers",
            value=defaults.drop_numbers,
            key="corpus_numbers",
            help="Remove tokens such as 2024 or 3.5.",
        )
        stopwords = st.checkbox(
            "Remove stop words",
            value=defaults.remove_stopwords,
            key="corpus_stopwords",
            help="Drop very common English words (the, of, and); helps topics, hurts analogies.",
        )
    with right:
        phrases = st.checkbox(
            "Join phrases",
            value=defaults.phrases,
            key="corpus_phrases",
            help="Turn word pairs that often go together into one token, e.g. new_york (slower).",
        )
        min_count = st.number_input(
            "Min count",
            min_value=1,
            value=defaults.min_count,
            step=1,
            key="corpus_min_count",
            help="Remove words seen fewer times than this from the corpus (1 keeps every word).",
        )
        column = st.text_input(
            "Text column (CSV, TSV, JSONL)",
            key="corpus_text_column",
            placeholder="guess it",
            help="The column or field that holds the text; leave empty to let embedlab guess.",
        )
    options = TokenizeOptions(
        lowercase=lowercase,
        strip_punctuation=strip,
        drop_numbers=numbers,
        remove_stopwords=stopwords,
        phrases=phrases,
        min_count=int(min_count),
    )
    return options, column


def flash(kind: str, message: str) -> None:
    """Show `message` after the rerun that follows."""
    st.session_state[FLASH] = (kind, message)


ws = ui.workspace()
st.title("Corpus")
st.markdown(
    "A **corpus** is the text a model learns word meanings from. Start with the demo corpus "
    "or upload your own; below you see what is in it (how many words, which are common, how "
    "long the sentences are), then train a model on it."
)
if FLASH in st.session_state:
    kind, message = st.session_state.pop(FLASH)
    getattr(st, kind)(message)

demo_col, upload_col = st.columns(2, gap="large")
with demo_col:
    st.subheader("Use the demo corpus")
    st.caption(
        "gensim's Lee news corpus: 300 short Australian news stories, about 60,000 words. "
        "Ready in seconds, and enough for a first model."
    )
    use_demo = st.button(
        "Use the demo corpus (Lee news, 300 documents)", key="corpus_demo", type="primary"
    )
with upload_col:
    st.subheader("Upload your own")
    round_ = st.session_state.setdefault(UPLOADS, 0)
    files = st.file_uploader(
        "Text files",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"corpus_upload_{round_}",
        max_upload_size=ui.upload_limit_mb(),
        help="Plain text (one document per line, or documents separated by blank lines), "
        "CSV/TSV, JSONL, .gz or .zip, in UTF-8, UTF-16 or Windows/Latin-1; up to "
        f"{ui.upload_limit_text()} per file.",
    )
    st.caption(
        "Each file becomes its own corpus. To combine several files into one corpus, "
        "put them in a .zip and upload that."
    )
    with st.expander("Preprocessing options"):
        options, text_column = options_ui()
    name = st.text_input(
        "Corpus name",
        key="corpus_name",
        max_chars=80,
        placeholder="named after the file",
        help="With several files, each corpus is named this plus its file's name.",
    )
    ingest = st.button("Ingest", key="corpus_ingest", disabled=not files)

if use_demo:
    with ui.shown_errors(), st.spinner("Reading the demo corpus…"):
        record, created = ensure_demo_corpus(ws)
        st.session_state[SELECT] = record.name
        if created:
            st.success(
                f"Added the demo corpus **{escape_markdown(record.name)}** "
                f"({corpus_view.count_of(record.stats['documents'], 'document')})."
            )
        else:
            st.info(
                f"The demo corpus is already here as **{escape_markdown(record.name)}**; "
                "it is selected below."
            )

if ingest and files:
    bar = st.progress(0.0, text="Reading and cleaning the text…")
    records, errors = corpus_view.ingest_uploads(
        ws,
        [(f.name, f.getvalue()) for f in files],
        name,
        options=options,
        text_column=text_column,
        max_mb=ui.upload_limit_mb(),
        on_progress=lambda done, total: bar.progress(
            done / total, text=f"Reading and cleaning the text… {done / total:.0%}"
        ),
    )
    bar.empty()
    for error in errors:
        st.error(escape_markdown(error))
    if records:
        added = ", ".join(f"**{escape_markdown(r.name)}**" for r in records)
        message = f"Added {added}: " + "; ".join(
            f"{corpus_view.count_of(r.stats['documents'], 'document')}, "
            f"{corpus_view.count_of(r.stats['tokens'], 'token')}"
            for r in records
        )
        st.session_state[SELECT] = records[-1].name
        if not errors:  # start over with an empty uploader; on errors, keep the files to retry
            st.session_state[UPLOADS] = round_ + 1
            flash("success", message)
            st.rerun()
        st.success(message)

corpora = ws.corpora()
if not corpora:
    st.info("No corpus yet: use the demo corpus or upload a text file above to begin.")
    st.stop()

names = [c.name for c in corpora]
if st.session_state.get(SELECT) not in names:
    st.session_state[SELECT] = names[0]
st.divider()
selected = st.selectbox(
    "Corpus",
    names,
    key=SELECT,
    help="The newest corpus comes first; the Train page trains on the one you pick here.",
)
st.session_state[SHARED] = selected
record = next(c for c in corpora if c.name == selected)
stats = record.stats
path = str(record.path)

with ui.shown_errors():
    options_used = corpus_view.options_summary(_options(path))
    st.caption(
        f"From {escape_markdown(Path(record.source).name)} · added {record.created[:10]} · "
        f"{escape_markdown(options_used)}"
        + (
            f" · text column {escape_markdown(stats['text_column'])}"
            if stats.get("text_column")
            else ""
        )
    )
    cols = st.columns(5)
    cols[0].metric("Documents", f"{stats['documents']:,}")
    cols[1].metric("Sentences", f"{stats['sentences']:,}")
    cols[2].metric("Tokens", f"{stats['tokens']:,}", help="Every word occurrence, repeats counted.")
    cols[3].metric("Vocabulary", f"{stats['vocabulary']:,}", help="Distinct words.")
    cols[4].metric("Encoding", stats["encoding"], help="How the uploaded bytes were read as text.")
    st.page_link(
        "pages/train.py",
        label="**Next: train a model on this corpus →**",
        icon=":material/model_training:",
    )

    zipf_col, top_col = st.columns([3, 2], gap="large")
    with zipf_col:
        st.markdown("**Word frequencies (Zipf plot)**")
        st.caption(
            "Each dot is a word: its rank (1 = most common) against how often it occurs, both on "
            "log scales. Natural text falls near the dashed line: a few words are everywhere, "
            "most are rare. Hover a dot to see the word."
        )
        st.plotly_chart(_zipf(path), key="corpus_zipf", width="stretch")
    with top_col:
        st.markdown("**Most frequent words**")
        st.dataframe(
            corpus_view.top_words_table(stats["top_words"], stats["tokens"]),
            hide_index=True,
            height=420,
            column_config={
                "share of tokens": st.column_config.NumberColumn(format="percent"),
            },
            key="corpus_top_words",
        )

    length_col, oov_col = st.columns([3, 2], gap="large")
    with length_col:
        st.markdown("**Sentence lengths**")
        st.caption(
            "How many sentences have each length, in tokens. A context window never crosses "
            "a sentence end, so very short sentences give a word little context."
        )
        st.plotly_chart(
            sentence_length_figure(stats["sentence_lengths"]),
            key="corpus_lengths",
            width="stretch",
        )
    with oov_col:
        st.markdown("**What a min count leaves out**")
        st.caption(
            "A trainer ignores words rarer than its min count. Slide to see how much of this "
            "corpus that drops."
        )
        min_count = st.slider("Min count", 1, 50, 5, key="corpus_oov_min_count")
        cover = _coverage(path, int(min_count))
        st.metric(
            f"Tokens dropped at min count {min_count}",
            f"{cover.oov_share:.1%}",
            help="Share of all word occurrences whose word is rarer than the min count.",
        )
        st.caption(f"{cover.kept_words:,} of {cover.vocabulary:,} distinct words are kept.")

with st.expander("Delete this corpus"):
    st.caption("Removes the corpus's files from the workspace; models trained on it stay.")
    sure = st.checkbox(
        f"Yes, delete {escape_markdown(record.name)}", key=f"corpus_delete_sure_{record.id}"
    )
    if st.button("Delete corpus", key="corpus_delete", disabled=not sure):
        with ui.shown_errors():
            ws.delete_corpus(record.id)
            flash("success", f"Deleted the corpus **{escape_markdown(record.name)}**.")
            st.rerun()
