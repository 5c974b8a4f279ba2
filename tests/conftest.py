import sys

assert "tensorflow" not in sys.modules, "tests must import implementations before TensorFlow"
import implementations  # noqa: E402,F401  (fixes TensorFlow's settings first)
import pytest  # noqa: E402

from comparisons import harness  # noqa: E402

_comparisons = {}


@pytest.fixture(scope="session")
def comparison_of():
    """Each task's comparison, run once per session: training is the slow part."""

    def comparison_of(task):
        if task not in _comparisons:
            _comparisons[task] = harness.compare_task(task)
        return _comparisons[task]

    return comparison_of
