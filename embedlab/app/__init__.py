"""Everything only the Streamlit app needs: a presenter per page, charts/, ui.py.

The only package that imports streamlit; nothing outside it imports from it.
"""
