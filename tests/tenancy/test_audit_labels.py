"""Every audit action the code writes has plain words on the audit log page."""

import re
from pathlib import Path

from tend.core.audit import ACTION_LABELS

SOURCE = Path(__file__).resolve().parents[2] / "src" / "tend"
# An action passed to record() or an audit helper, or named in an `action = ...` assignment.
ACTION = re.compile(
    r'(?:\b_?(?:record|audit\w*)\(\s*|\baction\s*=\s*(?:"[a-z_.]+"\s+if\s+\w+\s+else\s+)?)'
    r'"([a-z_]+\.[a-z_]+)"'
)


def test_every_recorded_action_has_a_label():
    used = {m for path in SOURCE.rglob("*.py") for m in ACTION.findall(path.read_text())}
    used |= {
        m
        for path in SOURCE.rglob("*.py")
        for m in re.findall(r'action = "([a-z_]+\.[a-z_]+)" if', path.read_text())
    }
    assert {"auth.signin", "location.archived", "location.restored"} <= used
    assert not sorted(used - ACTION_LABELS.keys())
