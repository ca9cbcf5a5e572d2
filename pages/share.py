"""Share: one zip that reproduces a model and its saved views elsewhere, and the way back in."""

from __future__ import annotations

from contextlib import suppress

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from embedlab.app import share, ui
from embedlab.app.markup import escape_markdown

st.title("Share")
st.caption(share.SHARE_NOTE)
ws = ui.workspace()
names = [m.name for m in ws.models()]

left, right = st.columns(2)
with left:
    st.subheader("Download a bundle")
    if not names:
        st.info("No models yet: train one on the **Train** page or load one on **Models**.")
    else:
        active = st.session_state.get(ui.ACTIVE)
        name = st.selectbox(
            "Model", names, index=names.index(active) if active in names else 0, key="share_model"
        )
        views = share.views_table(ws, name)
        if len(views):
            st.dataframe(views, hide_index=True, key="share_views")
            for label, page, params in share.view_links(ws, name):
                with suppress(StreamlitPageNotFoundError):  # a page this app does not have
                    st.page_link(page, label=label, query_params=params, icon=":material/link:")
        else:
            st.caption("No views saved on this model yet: a bundle then holds the model alone.")
        corpus = share.has_corpus(ws, name) and st.checkbox(
            "With its corpus",
            key="share_corpus",
            help="The training text travels too; leave it out when it is large or private.",
        )
        if st.button("Prepare the bundle", key="share_prepare"):
            with ui.shown_errors(), st.spinner("Writing the bundle…"):
                file_name, data = share.bundle_bytes(ws, name, with_corpus=bool(corpus))
                st.download_button(
                    f"Download {file_name} ({len(data) / 1e6:,.1f} MB)",
                    data,
                    file_name,
                    share.BUNDLE_MIME,
                    key="share_download",
                    on_click="ignore",
                )
with right:
    st.subheader("Open a bundle")
    st.caption(share.UPLOAD_NOTE)
    upload = st.file_uploader(
        "Bundle (.zip)",
        type=["zip"],
        key="share_upload",
        max_upload_size=ui.upload_limit_mb(),
        help=f"Up to {ui.upload_limit_text()}.",
    )
    new_name = st.text_input("Name in the catalog", key="share_name", placeholder="as exported")
    if st.button("Open", key="share_open", type="primary", disabled=upload is None):
        with ui.shown_errors(), st.spinner("Checking and reading the bundle…"):
            ui.check_upload(upload)
            record = share.import_bundle(ws, upload.getvalue(), upload.name, new_name)
            ui.set_active_model(record.name)
            st.success(share.import_message(ws, record))
            st.caption(
                f"Pick **{escape_markdown(record.name)}** in the sidebar to explore it; its "
                "saved views are listed on the left."
            )
