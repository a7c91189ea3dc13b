"""The floor page for the browser benchmark: one 150x150 contour and one slider.

Anything the real Compare page does on top of this is what the benchmark measures.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

scale = st.slider("scale", 1.0, 5.0, 2.0, 0.1)
x = np.linspace(-3, 3, 150)
xx, yy = np.meshgrid(x, x)
figure = go.Figure(go.Contour(x=x, y=x, z=scale * xx**2 + yy**2))
st.plotly_chart(figure)
