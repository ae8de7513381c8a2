"""Config files that go live only after their daemon accepted them."""

from __future__ import annotations

from pyinfra import host
from pyinfra.facts.files import Sha1File
from pyinfra.operations import files, server


def install_checked(
    component: str,
    src: str,
    dest: str,
    check: str,
    mode: str,
    user: str | None = None,
    group: str | None = None,
    **data,
):
    """Render src to dest.staged, run `check` on it, and only then copy it to dest.

    Returns the operation that installed the file: reload the daemon if it did_change. A
    rejected file is removed from staging, so the next deploy renders and checks it again.
    The staged file gets the live file's owner and mode (`cp -p` keeps them).
    """
    staged = f"{dest}.staged"
    rendered = files.template(
        name=f"Render {component} config to {staged}",
        src=src,
        dest=staged,
        mode=mode,
        user=user,
        group=group,
        **data,
    )
    live_differs = host.get_fact(Sha1File, path=dest) != host.get_fact(Sha1File, path=staged)
    return server.shell(
        name=f"Check {component} config and put it live",
        commands=[
            f"{check.format(path=staged)} || {{ rm -f {staged}; exit 1; }}",
            f"cp -p {staged} {dest}",
        ],
        _if=lambda: rendered.did_change() or live_differs,
    )
