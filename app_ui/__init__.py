"""Streamlit-facing helpers shared by the pages: page setup, URL-bound controls, cached
runs and links.  The maths lives in `optim_core` / `surfaces`, the figures in
`viz`; this package only wires them to widgets.
"""
