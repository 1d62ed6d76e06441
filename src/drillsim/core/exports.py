"""Public names of a package imported on first use (PEP 562).

A package lists where each of its public names is defined; :func:`lazy_exports` gives it the module-level
``__getattr__`` and ``__dir__`` that import a name's module the first time the name is read. Importing the
package then costs nothing, so a command that only loads and checks a scenario never pays for Numba, SciPy
or the engine (``drillsim run`` refuses an impossible scenario before any of them load).

>>> getattr_, dir_ = lazy_exports("drillsim.core", {"UserError": "drillsim.core.errors"}, {})
>>> getattr_("UserError").__name__
'UserError'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, str], namespace: MutableMapping[str, Any], *, subpackages: bool = False
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public name ``n`` lives in module ``homes[n]``.

    A name read once is stored in ``namespace`` (the package's ``globals()``), so later reads are plain
    lookups. With ``subpackages``, any other name is tried as a module of the package (``drillsim.study``,
    ``drillsim.scenario.io``), as if the package had imported it.
    """

    def getattr_(name: str) -> Any:
        home = homes.get(name)
        if home is not None:
            value = getattr(importlib.import_module(home), name)
            namespace[name] = value
            return value
        if subpackages:
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted({*namespace, *homes})

    return getattr_, dir_
