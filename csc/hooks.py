"""Named points in a refresh where a test can step in; csc itself installs nothing here.

`reached(point)` calls each installed hook with the point's name, and does nothing when
none is installed (always, in a council's refresh). The failure tests install one
(tests/nightly/faults.py) to kill the process at a point, as a power cut or the OOM killer
would, or to raise a transient error there. The points:

    "dbt node finished"   csc.build: after each dbt node (the work database half rebuilt)
    "publish"             csc.publish: a publication starts (nothing written yet)
    "mid-publish"         csc.publish: the new file is half written beside the old one
    "before-rename"       csc.publish: the new file is complete, not yet swapped in

(Points between the refresh's steps need no hook: a test listens to the flow's progress
events, flows/recorder.py.)
"""

from __future__ import annotations

from collections.abc import Callable

Hook = Callable[[str], None]
_installed: list[Hook] = []


def reached(point: str) -> None:
    """The refresh has reached `point`: run the hooks a test installed (none: nothing)."""
    for hook in list(_installed):
        hook(point)


def install(hook: Hook) -> None:
    _installed.append(hook)


def uninstall(hook: Hook) -> None:
    if hook in _installed:
        _installed.remove(hook)
