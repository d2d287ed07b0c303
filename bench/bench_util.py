"""What the Python benchmarks share."""

import os
import shutil
import tempfile


def private_binaries(build, prefix):
    """A fresh work directory holding copies of tepui and tepui-fetcher from
    `build` (so that a rebuild during the run cannot change them): (work
    directory, path of its tepui)."""
    work = tempfile.mkdtemp(prefix=prefix)
    tepui = os.path.join(work, "tepui")
    shutil.copy(os.path.join(build, "src", "tepui"), tepui)
    shutil.copy(os.path.join(build, "src", "tepui-fetcher"), os.path.join(work, "tepui-fetcher"))
    return work, tepui
