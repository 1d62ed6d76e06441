"""The same floating-point results on every x86-64 machine: NumPy's AVX-512 kernels kept off.

NumPy picks, when it is first imported, among several SIMD implementations of its ufuncs by what the CPU
offers. Its AVX-512 versions of ``exp``, ``log``, ``sin``, ``cos`` and others round some results differently
in the last bit from the AVX2 versions, and a simulation carries a last-bit difference into a different run:
the same seed gave other casualties on a machine with AVX-512 than on one without. So that a seed means one
run on every machine an analyst or a CI runner may have, drillsim asks NumPy, before NumPy is imported, not
to dispatch to its AVX-512 groups (``NPY_DISABLE_CPU_FEATURES``). The AVX2 kernels stay in use, so the cost
is small. Numba's kernels need nothing of the kind: they call the C library's maths, not NumPy's SIMD code.

The request has effect only when it comes first: ``import drillsim`` (and the ``drillsim`` command) makes
it before anything else imports NumPy. A notebook that imported NumPy before drillsim runs with whatever
NumPy chose; :func:`simd_pinned` says whether that is the pinned set.
"""

from __future__ import annotations

import os
import platform
import sys

# NumPy 2.4's dispatch groups above AVX2 on x86-64 (numpy._core._multiarray_umath.__cpu_dispatch__ lists
# X86_V3, X86_V4, AVX512_ICL, AVX512_SPR). Naming a group NumPy does not dispatch raises an ImportWarning.
AVX512_GROUPS = ("X86_V4", "AVX512_ICL", "AVX512_SPR")
_ENV = "NPY_DISABLE_CPU_FEATURES"


def pin_simd_dispatch() -> bool:
    """Keep NumPy off its AVX-512 kernels if NumPy is not imported yet; whether the request was made.

    A value the user already gave ``NPY_DISABLE_CPU_FEATURES`` is kept. Only x86-64 has these groups.
    """
    if "numpy" in sys.modules or platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    os.environ.setdefault(_ENV, " ".join(AVX512_GROUPS))
    return True


def simd_pinned() -> bool:
    """Whether the NumPy in this process runs without its AVX-512 kernels (always true off x86-64)."""
    from importlib import import_module

    umath = import_module("numpy._core._multiarray_umath")
    features: dict[str, bool] = getattr(umath, "__cpu_features__", {})
    return not any(features.get(group, False) for group in AVX512_GROUPS)
