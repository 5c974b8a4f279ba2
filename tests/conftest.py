import os
import sys

assert "tensorflow" not in sys.modules, "tests must import implementations before TensorFlow"
import implementations  # noqa: E402,F401  (fixes TensorFlow's settings first)
import pytest  # noqa: E402

from comparisons import harness  # noqa: E402
from implementations import registry  # noqa: E402

_comparisons = {}


@pytest.fixture(scope="session")
def comparison_of(request):
    """Each task's comparison, trained once per session: training is the slow part. The
    first call trains every task that the selected tests name, one process per CPU."""

    def comparison_of(task):
        if task not in _comparisons:
            named = {t for t in registry.TASKS for item in request.session.items if t in item.nodeid}
            todo = [t for t in registry.TASKS if t not in _comparisons and (t == task or t in named)]
            for comparison in harness.compare_tasks([registry.load_spec(t) for t in todo], jobs=os.cpu_count() or 1):
                _comparisons[comparison.spec.task] = comparison
        return _comparisons[task]

    return comparison_of
