"""The lab hosts' image: Debian 12 from this machine's own apt sources, systemd as init.

The tag is a hash of the recipe (this file's package list and the customize hook), so the
image is rebuilt exactly when the recipe changes and reused otherwise.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from cluster.errors import LabError
from deploy.packages import all_packages

from .podman import LABEL, podman, podman_json

IMAGE_NAME = "localhost/datchat-lab-host"
SUITE = "bookworm"
# What every host needs before the deploy: an init, SSH for the control machine, Python for
# pyinfra's facts, iproute2/iptables for the VIP and the fault primitives. Then every package
# a role of the deploy installs, baked in with its service disabled (customize.sh), so the
# deploy's install steps find them and skip apt.
PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "iproute2",
    "iputils-ping",
    "iptables",
    "openssh-server",
    "python3",
    "procps",
    "ca-certificates",
    *all_packages(),
)
CUSTOMIZE = Path(__file__).parent / "image" / "customize.sh"


def recipe_hash() -> str:
    recipe = hashlib.sha256()
    recipe.update(SUITE.encode())
    recipe.update(",".join(PACKAGES).encode())
    for part in sorted(CUSTOMIZE.parent.iterdir()):
        if part.is_file():
            recipe.update(part.read_bytes())  # customize.sh and the files it installs
    return recipe.hexdigest()[:12]


def image_ref() -> str:
    return f"{IMAGE_NAME}:{recipe_hash()}"


def image_present() -> bool:
    return podman("image", "exists", image_ref(), check=False).returncode == 0


def build_image(progress=print) -> str:
    """Build the image if its recipe's tag is missing; return the image reference."""
    ref = image_ref()
    if image_present():
        return ref
    if shutil.which("mmdebstrap") is None:
        raise LabError("mmdebstrap is not installed: run `make lab` (lab/install-host-packages.sh)")
    with tempfile.TemporaryDirectory(prefix="datchat-image-") as scratch:
        tarball = Path(scratch) / "rootfs.tar"
        progress(f"image: building {ref} with mmdebstrap from this machine's apt sources ...")
        started = time.monotonic()
        command = [
            "mmdebstrap",
            "--variant=apt",
            f"--include={','.join(PACKAGES)}",
            f'--customize-hook={CUSTOMIZE} "$1"',
            SUITE,
            str(tarball),
        ]
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as build:
            tail: list[str] = []
            for line in build.stdout:
                tail = [*tail[-20:], line.rstrip()]
                if line.startswith("I: "):
                    progress(f"image:   {line[3:].rstrip()}")
        if build.returncode != 0:
            raise LabError("mmdebstrap failed:\n" + "\n".join(tail))
        progress(f"image: rootfs built in {time.monotonic() - started:.0f} s; importing ...")
        podman(
            "import",
            "--change",
            'CMD ["/sbin/init"]',
            "--change",
            "STOPSIGNAL=SIGRTMIN+3",
            "--change",
            f"LABEL {LABEL}.image={recipe_hash()}",
            str(tarball),
            ref,
        )
    progress(f"image: {ref} ready ({time.monotonic() - started:.0f} s)")
    return ref


def remove_images() -> list[str]:
    """Remove every lab image (all recipes); used by `down --images`."""
    removed = []
    for image in podman_json("images", "--format", "json", "--filter", f"reference={IMAGE_NAME}"):
        podman("rmi", "-f", image["Id"], check=False)
        removed.append(image["Id"][:12])
    return removed
