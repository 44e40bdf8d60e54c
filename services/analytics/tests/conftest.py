"""Analytics under test: the service in-process on the real broker and a fresh database, a ManualClock, and a
producer publishing other services' events as they would."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
