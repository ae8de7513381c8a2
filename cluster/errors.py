"""The one exception the `datchat-lab` CLI turns into a one-line message and a non-zero exit."""


class LabError(Exception):
    """Something the user can fix; the message says what is wrong and what to do."""
