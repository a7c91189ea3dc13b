# The app for a class: one container serves a lecture hall (README "Serve a class").
#   docker build -t optimizer-playground .
#   docker run -p 8501:8501 optimizer-playground
FROM python:3.11-slim

# MALLOC_ARENA_MAX: Streamlit runs every rerun in a new thread, and glibc gives threads
# their own malloc arenas, which keep freed memory.  With 2 arenas the soak
# (benchmarks/soak.py, 8 tabs for 5 minutes, then 150 s idle) came back to 386 MB
# instead of 505 MB; the peak under traffic was the same (about 850 MB).
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLBACKEND=Agg \
    MALLOC_ARENA_MAX=2

RUN useradd --create-home --uid 10001 app
WORKDIR /app

# Dependencies first: a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=app:app . .
USER app
# Compile every optimizer loop and surface callback into Numba's on-disk cache now, as
# the user that runs the app, so no visitor waits for a compiler.
RUN python -m optim_core.warmup

EXPOSE 8501
# Streamlit's own health endpoint answers "ok" once the server is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

# No file watcher: the code in the image never changes, and watching every imported
# module's file costs CPU on every rerun.
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", \
     "--server.headless=true", "--server.fileWatcherType=none"]
