"""`htx backup` of a running `htx up --demo`, `htx restore` into a new dir, `htx up` there: same data, verify passes.

The demo loads co-ops, members, harvests, lots and a sale over the public APIs; the backup is
taken while the platform runs. The restored installation must show the same census through
the APIs, trace the same lots, add nothing when the demo runs again, and pass
`htx reporting verify` (reporting resumes from the stream positions stored in its database).
"""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

from tests.e2e.test_readme import DEMO_COOPS, REPO, HtxUp, _census


def _htx(stack: HtxUp, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "htx", *args], cwd=REPO, env=stack.env, capture_output=True, text=True, timeout=180
    )


async def test_backup_of_a_running_platform_restores_into_a_working_one(tmp_path):
    original = HtxUp.prepare(tmp_path / "original")
    output = original.start()
    try:
        tokens = re.findall(r"/t/([\w-]{22})  \(", output)  # the trace pages htx up printed
        assert tokens, output
        before = await _census(original)
        archive = tmp_path / "htx-backup.tar.gz"
        backup = _htx(original, "backup", "--output", str(archive))
        assert backup.returncode == 0, backup.stdout + backup.stderr
        assert "BGREWRITEAOF" in backup.stdout
    finally:
        original.assert_stopped_cleanly(original.stop())

    restored = HtxUp.prepare(tmp_path / "restored")
    data_dir = tmp_path / "restored" / "data"
    restore = _htx(restored, "restore", str(archive), "--data-dir", str(data_dir))
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert f"htx up --data-dir {data_dir}" in restore.stdout

    output = restored.start()
    try:
        assert f"co-ops created: -; already there: {', '.join(DEMO_COOPS)}; added nothing" in output
        assert await _census(restored) == before
        async with httpx.AsyncClient(timeout=30) as client:
            for token in tokens:  # the QR codes printed before the backup still open their lots
                response = await client.get(f"{restored.url('supplychain')}/lots/{token}/trace")
                assert response.status_code == 200, response.text
        verify = _htx(restored, "reporting", "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        restored.assert_stopped_cleanly(restored.stop())
