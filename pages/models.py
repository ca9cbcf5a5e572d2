"""Models: the catalog of trained and imported models, one model's details, loading a
pretrained file, exporting, deleting, and comparing runs side by side."""

from __future__ import annotations

import streamlit as st

from embedlab.app import ui
from embedlab.app.charts.training import loss_figure
from embedlab.app.exports import EXPORT_LABELS, export_bytes
from embedlab.app.markup import escape_markdown
from embedlab.app.reports import catalog_rows, compare_models, model_details, workspace_metrics
from embedlab.embeddings import Embeddings
from embedlab.formats import WRITE_FORMATS, read_vectors_bytes

PICK = "models_pick"
COMPARE = "models_compare"
_PICK_NEXT = "_models_pick_next"
_PREPARED = "_models_prepared"
_CONFIRM = "_models_confirm_delete"
_FLASH = "_models_flash"

UPLOAD_FORMATS = {
    "auto": "Detect from the file",
    "word2vec": "word2vec text (.txt, .vec)",
    "word2vec-bin": "word2vec binary (.bin)",
    "glove": "GloVe text (.txt, no header line)",
    "fasttext": "fastText binary (.bin, with subwords)",
    "tsv": "Projector TSV (vectors.tsv, optional metadata.tsv)",
}


@st.cache_data(max_entries=3, show_spinner=False)
def _export(path: str, fmt: str, _emb: Embeddings) -> tuple[str, bytes, str]:
    return export_bytes(_emb, fmt)


st.title("Models")
st.caption(
    "Every model in this workspace, trained here or loaded from a file, with its latest "
    "benchmark scores (run them on the **Evaluate** page: analogy accuracy is a share of "
    "questions, WS353 and SimLex are correlations with human ratings from −1 to 1). Pick a "
    "model below to make it active, see how it was made, export or delete it, or compare runs."
)

ws = ui.workspace()
if _FLASH in st.session_state:
    st.success(st.session_state.pop(_FLASH))

records = ws.models()
names = [r.name for r in records]
by_name = {r.name: r for r in records}
active = st.session_state.get(ui.ACTIVE)
metrics = workspace_metrics(ws, records)

# --- the catalog ---------------------------------------------------------------------------
if records:
    st.dataframe(
        catalog_rows(records, metrics, active),
        hide_index=True,
        placeholder="—",
        column_config={
            "Active": st.column_config.CheckboxColumn("Active", width="small"),
            "Vocabulary": st.column_config.NumberColumn("Vocabulary", format="localized"),
            "Analogy accuracy": st.column_config.NumberColumn(format="percent"),
            "WS353 Spearman": st.column_config.NumberColumn(format="%.3f"),
            "SimLex Spearman": st.column_config.NumberColumn(format="%.3f"),
        },
    )
else:
    st.info(
        "No models yet. Train one on the **Train** page (the demo corpus takes seconds) or "
        "load a pretrained file below."
    )

# --- load a pretrained file ------------------------------------------------------------------
limit_mb = ui.upload_limit_mb()
limit = ui.upload_limit_text()
with st.expander("Load a pretrained file", expanded=not records):
    st.caption(
        "word2vec text or binary, GloVe text, fastText .bin, or the TensorFlow projector's "
        "vectors.tsv (with its metadata.tsv for the words). Pickled gensim models (.model, "
        ".kv) are refused here because unpickling can run code; load those with the CLI."
    )
    upload = st.file_uploader(
        "Vector file",
        key="models_upload",
        max_upload_size=limit_mb,
        help=f"Up to {limit} per file (EMBEDLAB_MAX_UPLOAD_MB).",
    )
    metadata = st.file_uploader(
        "metadata.tsv (projector TSV only, optional)",
        key="models_upload_meta",
        max_upload_size=limit_mb,
        help="The words for a vectors.tsv, one a line (a header and a count column are fine).",
    )
    left, right = st.columns(2)
    fmt = left.selectbox(
        "Format",
        list(UPLOAD_FORMATS),
        format_func=UPLOAD_FORMATS.get,
        key="models_upload_format",
        help="Detection reads the first bytes of the file; pick the format if it guesses wrong.",
    )
    new_name = right.text_input(
        "Name in the catalog",
        key="models_upload_name",
        placeholder="from the file name",
        help="Leave empty to use the file's name (made unique with a suffix if taken).",
    )
    if st.button("Load into the catalog", key="models_load", type="primary", disabled=not upload):
        with ui.shown_errors(), st.spinner("Reading the vectors…"):
            ui.check_upload(upload)
            ui.check_upload(metadata)
            emb = read_vectors_bytes(
                upload.getvalue(),
                upload.name,
                fmt,
                metadata=metadata.getvalue() if metadata else None,
                name=new_name.strip() or None,
            )
            record = ws.add_model(emb, name=new_name.strip() or None)
            ui.set_active_model(record.name)
            st.session_state[_PICK_NEXT] = record.name
            st.session_state[_FLASH] = (
                f"Loaded **{escape_markdown(record.name)}**: {record.vocab:,} words × {record.dim} "
                "dimensions. It is now the active model."
            )
            st.rerun()

if not records:
    st.stop()

# --- one model -------------------------------------------------------------------------------
st.subheader("One model")
picked_next = st.session_state.pop(_PICK_NEXT, None)
if picked_next in names:
    st.session_state[PICK] = picked_next
if st.session_state.get(PICK) not in names:
    st.session_state[PICK] = active if active in names else names[0]
pick_col, action_col = st.columns([3, 2], vertical_alignment="bottom")
picked = pick_col.selectbox("Model", names, key=PICK)
record = by_name[picked]
if picked == active:
    action_col.caption("This is the active model: every page explores it.")
elif action_col.button("Make it the active model", key="models_activate"):
    ui.set_active_model(picked)
    st.rerun()

details_tab, export_tab, delete_tab = st.tabs(["Details", "Export", "Delete"])

with details_tab:
    details = model_details(record)
    facts_col, config_col = st.columns(2)
    facts_col.dataframe(details.summary, hide_index=True)
    with config_col:
        if details.config:
            st.dataframe(details.config, hide_index=True)
        else:
            st.caption("No training settings: this model was not trained here.")
        if details.timings:
            st.dataframe(details.timings, hide_index=True)
        if details.versions:
            st.dataframe(details.versions, hide_index=True)
    if details.epoch_losses:
        st.plotly_chart(
            loss_figure(details.epoch_losses, epochs=len(details.epoch_losses)),
            key="models_loss",
        )
        st.caption(
            "The loss after each epoch: a falling line means the model was still learning, a "
            "flat one that more epochs would have changed little."
        )
    else:
        st.caption(details.no_curve)

with export_tab:
    st.caption(
        "Writing a big model takes a while, so prepare the file first, then download it. "
        "Every format reads back into embedlab, gensim and most other tools."
    )
    export_fmt = st.selectbox(
        "Format", WRITE_FORMATS, format_func=EXPORT_LABELS.get, key="models_export_format"
    )
    job = (str(record.path), export_fmt)
    prepared = st.session_state.setdefault(_PREPARED, [])
    if st.button("Prepare download", key="models_prepare"):
        with ui.shown_errors(), st.spinner("Writing the file…"):
            _export(*job, ui.load_model(record))
            st.session_state[_PREPARED] = [*(p for p in prepared if p != job), job][-6:]
    if job in st.session_state[_PREPARED]:
        with ui.shown_errors():
            file_name, data, mime = _export(*job, ui.load_model(record))
            st.download_button(
                f"Download {file_name} ({len(data) / 1e6:,.1f} MB)",
                data,
                file_name=file_name,
                mime=mime,
                key="models_download",
                on_click="ignore",
                icon=":material/download:",
            )

with delete_tab:
    if st.session_state.get(_CONFIRM) != record.name:
        st.caption(
            "Deleting removes the model's vectors and benchmark scores from the workspace; the "
            "corpus it was trained on stays."
        )
        if st.button("Delete this model…", key="models_delete"):
            st.session_state[_CONFIRM] = record.name
            st.rerun()
    else:
        st.warning(
            f"Delete **{escape_markdown(record.name)}** for good? This cannot be undone.", icon="⚠️"
        )
        yes_col, no_col = st.columns(2)
        if yes_col.button("Yes, delete it", key="models_delete_confirm", type="primary"):
            st.session_state.pop(_CONFIRM, None)
            with ui.shown_errors():
                ws.delete_model(record.name)
                ui.forget_model(record)  # its vectors leave the server's memory too
                _export.clear()
                message = f"Deleted **{escape_markdown(record.name)}**."
                others = [n for n in names if n != record.name]
                if record.name == active and others:
                    ui.set_active_model(others[0])
                    message += f" The active model is now **{escape_markdown(others[0])}**."
                st.session_state[_FLASH] = message
                st.rerun()
        if no_col.button("Cancel", key="models_delete_cancel"):
            st.session_state.pop(_CONFIRM, None)
            st.rerun()

# --- runs side by side -----------------------------------------------------------------------
st.subheader("Compare runs")
st.caption(
    "One column per model and one row per fact, training setting and score; the rows where "
    "the models differ come first and are ticked."
)
if COMPARE not in st.session_state:
    st.session_state[COMPARE] = names[:2]
else:
    st.session_state[COMPARE] = [n for n in st.session_state[COMPARE] if n in names]
chosen = st.multiselect("Models to compare", names, key=COMPARE)
if len(chosen) >= 2:
    st.dataframe(
        compare_models([by_name[n] for n in chosen], metrics),
        hide_index=True,
        column_config={"Differs": st.column_config.CheckboxColumn("Differs", width="small")},
    )
else:
    st.caption("Pick at least two models to compare them.")
