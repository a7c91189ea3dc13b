"""`ast.parse`, one thread at a time.

CPython 3.11 keeps the AST constructor's recursion depth in state that all threads share,
and Streamlit runs every session's page in its own thread: two trees built at once can
end in ``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905;
seen when 16 tabs opened fresh replicas at once in tests/test_load.py).  Every parse in
this package goes through this lock.
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse(source: str, mode: str = "exec") -> ast.AST:
    """`ast.parse(source, mode=mode)`, serialized across threads."""
    with _LOCK:
        return ast.parse(source, mode=mode)
