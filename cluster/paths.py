"""Where the control machine keeps per-cluster state: the checkout's git-ignored .state/."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".state"
