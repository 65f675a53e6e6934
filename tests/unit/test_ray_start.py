"""Ray's local start on a busy machine: its 30 s raylet wait can run out once; the build tries once more and
otherwise says in one line that Ray could not start."""

from __future__ import annotations

import pytest

from qa.index.raybuild import RayUnavailable, _start

TIMEOUT = "The current node timed out during startup. This could happen because some of the raylet failed"


class FakeRay:
    def __init__(self, failures: int) -> None:
        self.failures, self.inits, self.shutdowns = failures, 0, 0

    def init(self, **_: object) -> None:
        self.inits += 1
        if self.inits <= self.failures:
            raise Exception(TIMEOUT)  # what ray._private.node raises

    def shutdown(self) -> None:
        self.shutdowns += 1


def test_a_local_start_that_times_out_once_is_tried_again(capsys: pytest.CaptureFixture[str]) -> None:
    ray = FakeRay(failures=1)
    _start(ray, "", {})
    assert (ray.inits, ray.shutdowns) == (2, 1)
    assert "trying once more" in capsys.readouterr().err


def test_a_local_start_that_keeps_timing_out_is_a_clear_error() -> None:
    with pytest.raises(RayUnavailable, match="cannot start Ray locally"):
        _start(FakeRay(failures=5), "", {})


def test_a_remote_cluster_is_not_retried() -> None:
    ray = FakeRay(failures=1)
    with pytest.raises(Exception, match="timed out during startup"):
        _start(ray, "ray://cluster:10001", {})
    assert ray.inits == 1


class GcsSlowRay(FakeRay):
    def init(self, **_: object) -> None:
        self.inits += 1
        if self.inits <= self.failures:  # seen in a CI rehearsal: the GCS server's port file came too late
            raise RuntimeError("Timed out waiting for file /tmp/ray/session_x/gcs_server_port_0d88")


def test_a_local_start_whose_gcs_port_file_comes_late_is_tried_again(capsys: pytest.CaptureFixture[str]) -> None:
    ray = GcsSlowRay(failures=1)
    _start(ray, "", {})
    assert (ray.inits, ray.shutdowns) == (2, 1)
    assert "trying once more" in capsys.readouterr().err
    with pytest.raises(RayUnavailable, match="cannot start Ray locally"):
        _start(GcsSlowRay(failures=5), "", {})


def test_other_start_errors_still_say_ray_cannot_be_reached() -> None:
    class Refused(FakeRay):
        def init(self, **_: object) -> None:
            self.inits += 1
            raise ConnectionError("connection refused")

    ray = Refused(failures=1)
    with pytest.raises(RayUnavailable, match="cannot start or reach Ray at local"):
        _start(ray, "", {})
    assert ray.inits == 1
