"""Database access: SQLAlchemy models, the query functions, and Alembic migrations.

Only the API, conductor and scheduler use this package; compute hosts reach the
database through the conductor. The object modules, which computes import too, name
their query modules with ``lazy()``, so that a compute never loads SQLAlchemy.
"""
import importlib
from typing import Any


class _Deferred:
    """Stands for a module that is imported on first attribute access.

    The first access goes through importlib.import_module, whose import lock makes a
    thread wait while another one executes the module (the standard library's
    LazyLoader does not, before Python 3.12: a second thread could see a half-executed
    module). What it returns is whole, and is kept: going through the import system
    on every access cost more than the call it led to (twice a server in a listing).
    """

    def __init__(self, fullname: str) -> None:
        self._fullname = fullname
        self._module = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._fullname)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<deferred module {self._fullname}>"


def lazy(name: str) -> Any:
    """``mininova.db.<name>``, imported when first used."""
    return _Deferred(f"{__name__}.{name}")
