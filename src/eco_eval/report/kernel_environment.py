"""The environment report kernels start with (no heavy import: test runners read it first)."""

from __future__ import annotations

import os

# A run has two kernels at once (the bilan's and the deep dives') beside the main process. Each
# would start one BLAS/OpenMP thread per core, and their threads spin against each other on the
# small least-squares problems of the impact models, making the bilan several times slower than
# with one thread per kernel. A value the user set in the environment is kept.
SINGLE_THREAD_MATH = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def kernel_environment() -> dict[str, str]:
    """The environment a report kernel starts with: this process's, numerical libraries
    limited to one thread each unless the user chose otherwise (:data:`SINGLE_THREAD_MATH`)."""
    return {**SINGLE_THREAD_MATH, **os.environ}
