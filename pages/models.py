"""Models: the catalog of trained and imported models, one model's details, loading a
pretrained file, exporting, deleting, and comparing runs side by side."""

from __future__ import annotations

import streamlit as st

from embedlab.app import models as view
from embedlab.app import ui
from embedlab.app.charts.training import loss_figure
from embedlab.app.exports import EXPORT_LABELS, export_bytes
from embedlab.app.markup import escape_markdown
from embedlab.app.reports import catalog_rows, compare_models, model_details, workspace_metrics
from embedlab.embeddings import Embeddings
from embedlab.formats import WRITE_FORMATS

PICK, COMPARE, _COMPARE_DEFAULT = "models_pick", "models_compare", "_models_compare_default"
_PICK_NEXT, _PREPARED, _CONFIRM = "_models_pick_next", "_models_prepared", "_models_confirm"
_FLASH = "_models_flash"
N = st.column_config.NumberColumn
COLUMNS = {  # narrow enough for the three scores to show beside the sidebar
    "Vocabulary": N("Words", format="localized", width=80),
    "Analogy accuracy": N("Analogy", format="percent", width=80, help="Google analogies"),
    "WS353 Spearman": N("WS353 ρ", format="%.3f", width=80, help="Spearman, WordSim353"),
    "SimLex Spearman": N("SimLex ρ", format="%.3f", width=80, help="Spearman, SimLex-999"),
}


@st.cache_data(max_entries=3, show_spinner=False)
def _export(path: str, fmt: str, _emb: Embeddings) -> tuple[str, bytes, str]:
    return export_bytes(_emb, fmt)


st.title("Models")
st.caption(view.INTRO)
ws = ui.workspace()
if _FLASH in st.session_state:
    st.success(st.session_state.pop(_FLASH))
records = ws.models()
names, by_name = [r.name for r in records], {r.name: r for r in records}
active = st.session_state.get(ui.ACTIVE)
metrics = workspace_metrics(ws, records)
if records:
    rows, order = catalog_rows(records, metrics, active), view.CATALOG_COLUMNS
    st.dataframe(rows, hide_index=True, placeholder="—", column_order=order, column_config=COLUMNS)
else:
    st.info("No models yet. Train one on the **Train** page or load a pretrained file below.")

with st.expander("Load a pretrained file", expanded=not records):
    st.caption(view.UPLOAD_NOTE)
    limit, size_help = ui.upload_limit_mb(), f"Up to {ui.upload_limit_text()} per file."
    upload = st.file_uploader(
        "Vector file", key="models_upload", max_upload_size=limit, help=size_help
    )
    metadata = st.file_uploader("metadata.tsv (projector TSV only, optional)",
                                key="models_upload_meta", max_upload_size=limit)  # fmt: skip
    left, right = st.columns(2)
    fmt = left.selectbox("Format", list(view.UPLOAD_FORMATS), key="models_upload_format",
                         format_func=view.UPLOAD_FORMATS.get)  # fmt: skip
    new_name = right.text_input("Name in the catalog", key="models_upload_name",
                                placeholder="from the file name")  # fmt: skip
    if st.button("Load into the catalog", key="models_load", type="primary", disabled=not upload):
        with ui.shown_errors(), st.spinner("Reading the vectors…"):
            ui.check_upload(upload)
            ui.check_upload(metadata)
            meta = metadata.getvalue() if metadata else None
            done = view.import_upload(ws, upload.getvalue(), upload.name, fmt,
                                      metadata=meta, name=new_name)  # fmt: skip
            ui.set_active_model(done.record.name)
            st.session_state[_PICK_NEXT], st.session_state[_FLASH] = done.record.name, done.message
            st.rerun()
if not records:
    st.stop()

st.subheader("One model")
wanted = st.session_state.pop(_PICK_NEXT, None)
st.session_state[PICK] = view.shown_model(names, st.session_state.get(PICK), wanted, active)
pick_col, action_col = st.columns([3, 2], vertical_alignment="bottom")
record = by_name[pick_col.selectbox("Model", names, key=PICK)]
if record.name == active:
    action_col.caption("This is the active model: every page explores it.")
else:
    action_col.button("Make it the active model", key="models_activate",
                      on_click=ui.set_active_model, args=(record.name,))  # fmt: skip
details_tab, export_tab, delete_tab = st.tabs(["Details", "Export", "Delete"])

with details_tab:
    details = model_details(record)
    facts_col, config_col = st.columns(2)
    facts_col.dataframe(details.summary, hide_index=True)
    if not details.config:
        config_col.caption("No training settings: this model was not trained here.")
    for table in (details.config, details.timings, details.versions):
        if table:
            config_col.dataframe(table, hide_index=True)
    if details.epoch_losses:
        curve = loss_figure(details.epoch_losses, epochs=len(details.epoch_losses))
        st.plotly_chart(curve, key="models_loss")
    st.caption(details.curve_caption)

with export_tab:
    st.caption(view.EXPORT_NOTE)
    export_fmt = st.selectbox("Format", WRITE_FORMATS, format_func=EXPORT_LABELS.get,
                              key="models_export_format")  # fmt: skip
    job, prepared = (str(record.path), export_fmt), st.session_state.get(_PREPARED, [])
    if st.button("Prepare download", key="models_prepare"):
        with ui.shown_errors(), st.spinner("Writing the file…"):
            _export(*job, ui.load_model(record))
            prepared = st.session_state[_PREPARED] = view.prepared_after(prepared, job)
    if job in prepared:
        with ui.shown_errors():
            file_name, data, mime = _export(*job, ui.load_model(record))
            label = f"Download {file_name} ({len(data) / 1e6:,.1f} MB)"
            st.download_button(label, data, file_name, mime, key="models_download",
                               on_click="ignore")  # fmt: skip

with delete_tab:
    if st.session_state.get(_CONFIRM) != record.name:
        st.caption("Deleting removes the model's vectors and scores; its corpus stays.")
        ask = st.session_state.__setitem__  # the next run asks "for good?"
        st.button("Delete this model…", key="models_delete", on_click=ask,
                  args=(_CONFIRM, record.name))  # fmt: skip
    else:
        st.warning(f"Delete **{escape_markdown(record.name)}** for good? This cannot be undone.")
        yes_col, no_col = st.columns(2)
        if yes_col.button("Yes, delete it", key="models_delete_confirm", type="primary"):
            st.session_state.pop(_CONFIRM, None)
            with ui.shown_errors():
                deleted = view.delete_model(ws, record, active)
                ui.forget_model(record)  # its vectors leave the server's memory too
                _export.clear()
                if deleted.activate:
                    ui.set_active_model(deleted.activate)
                st.session_state[_FLASH] = deleted.message
                st.rerun()
        no_col.button("Cancel", key="models_delete_cancel", on_click=st.session_state.pop,
                      args=(_CONFIRM, None))  # fmt: skip

st.subheader("Compare runs")
st.caption("One column per model, one row per fact, setting and score; differing rows first.")
st.session_state[COMPARE], st.session_state[_COMPARE_DEFAULT] = view.compare_start(
    names, st.session_state.get(COMPARE), st.session_state.get(_COMPARE_DEFAULT)
)
chosen = st.multiselect("Models to compare", names, key=COMPARE)
if len(chosen) >= 2:
    table = compare_models([by_name[n] for n in chosen], metrics)
    st.dataframe(table, hide_index=True)
else:
    st.caption("Pick at least two models to compare them.")
