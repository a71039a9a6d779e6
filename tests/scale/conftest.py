"""One local Ray cluster (2 CPUs) for the scale tests: starting one costs 10-25 s here."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

ray = pytest.importorskip("ray", reason="the scale tests need Ray: pip install 'vibe-widgets[ray]'")


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    # Module-scoped fixtures run before the function-scoped cache isolation of
    # tests/conftest.py: set the same isolated cache here, before the workers start, so
    # that neither this process nor any worker touches the user's cache.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VIBE_WIDGETS_CACHE", str(tmp_path_factory.getbasetemp() / "vibe-cache"))
        patch.setenv("HF_HUB_OFFLINE", "1")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        # Test modules are not importable on the workers: ship their functions by value.
        for name, module in list(sys.modules.items()):
            if name.startswith("test_encode_many_ray"):
                ray.cloudpickle.register_pickle_by_value(module)
        yield ray
        ray.shutdown()
