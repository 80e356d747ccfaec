"""Database access: SQLAlchemy models, the query functions, and Alembic migrations.

Only the API, conductor and scheduler use this package; compute hosts reach the
database through the conductor. The object modules, which computes import too, name
their query modules with ``lazy()``, so that a compute never loads SQLAlchemy.
"""
import importlib.util
import sys
import types


def lazy(name: str) -> types.ModuleType:
    """``mininova.db.<name>``, executed on first attribute access (importlib's
    LazyLoader); the module itself when it is already imported."""
    fullname = f"{__name__}.{name}"
    if fullname in sys.modules:
        return sys.modules[fullname]
    spec = importlib.util.find_spec(fullname)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {fullname}", name=fullname)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    setattr(sys.modules[__name__], name, module)
    loader.exec_module(module)
    return module
