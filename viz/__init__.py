"""Figures: the shared look (`style`), Plotly builders for the app and renderers for export.

Nothing here imports Streamlit: every builder is a plain function of arrays and settings.
"""
