"""The order in which the harness trains programs: task by task, each task's longest first.

With one worker process per core, a long program started last keeps one core busy while the
others idle, so the longest programs must start early (LPT scheduling), by the times measured
in SECONDS_ALONE, not guessed by style. Ordering every program of every task longest first
does that, but interleaves the tasks: each finishes with the run, and `compare` prints every
table at the end. `task_by_task` keeps LPT's start (the task with the longest program first,
each task's programs longest first) and finishes the tasks one after another: on the times
below, for six tasks on two workers, the first table at 32% of the run and the run 0.2%
longer than longest-first (benchmarks/test_harness_schedule.py measures both).

The table is data: `python -m benchmarks.schedule_measure` measures it again (4 minutes
here) and prints it. The measuring code is there, not here, because it runs the harness,
which imports this module.
"""

# Each program's training and evaluation alone, in seconds: each task's programs one after
# another in a fresh process, with nothing else running (2026-12-04, this project's 2-core
# machine, an Intel Xeon; `python -m benchmarks.schedule_measure`). multiworker_keras runs only
# under tf_keras, where it was measured. Only their order matters, which another machine keeps.
SECONDS_ALONE = {
    "linear_regression": {"numpy_reference": 0.01, "tf1_session": 0.33, "eager_tape": 2.05, "tf_function": 0.47,
                          "keras_sequential": 2.30, "keras_functional": 2.25, "keras_subclassed": 2.26},
    "polynomial_fit": {"numpy_reference": 0.03, "tf1_session": 0.34, "eager_tape": 5.96, "tf_function": 0.61,
                       "keras_sequential": 2.32, "keras_functional": 2.27, "keras_subclassed": 2.31},
    "logistic_mnist": {"numpy_reference": 0.33, "tf1_session": 0.87, "eager_tape": 2.71, "tf_function": 1.34,
                       "keras_sequential": 2.56, "keras_functional": 2.84, "keras_subclassed": 2.63,
                       "mirrored_tape": 2.84, "mirrored_keras": 7.03, "multiworker_tape": 14.08,
                       "multiworker_keras": 86.80},
    "mammal_bird": {"numpy_reference": 0.01, "tf1_session": 0.17, "eager_tape": 0.88, "tf_function": 0.40,
                    "keras_sequential": 0.80, "keras_functional": 0.88, "keras_subclassed": 0.73},
    "xor": {"numpy_reference": 0.21, "tf1_session": 1.80, "eager_tape": 20.69, "tf_function": 2.63,
            "keras_sequential": 4.31, "keras_functional": 4.32, "keras_subclassed": 4.66},
    "mnist_mlp": {"numpy_reference": 0.27, "tf1_session": 0.57, "eager_tape": 5.18, "tf_function": 0.96,
                  "keras_sequential": 1.47, "keras_functional": 1.43, "keras_subclassed": 1.62,
                  "mirrored_tape": 1.45, "mirrored_keras": 3.13, "multiworker_tape": 9.16},
    # auto_mpg: CPU seconds (2026-12-05, the 2-core AMD EPYC at load average 10 from other work, where
    # the wall times, 0.16 to 55 s, were up to 7 times these); alone, wall time is about CPU time.
    "auto_mpg": {"numpy_reference": 0.05, "tf1_session": 0.77, "eager_tape": 7.84, "tf_function": 1.84,
                 "keras_sequential": 6.01, "keras_functional": 6.15, "keras_subclassed": 6.85},
}


def seconds_alone(task: str, program: str) -> float:
    """The program's measured time alone; a program not measured yet counts as the longest."""
    return SECONDS_ALONE.get(task, {}).get(program, float("inf"))


def longest_first(work: list[tuple[str, str]]) -> list[int]:
    """The indices of (task, program) pairs, the longest program first."""
    return sorted(range(len(work)), key=lambda index: seconds_alone(*work[index]), reverse=True)


def task_by_task(work: list[tuple[str, str]]) -> list[int]:
    """The indices of (task, program) pairs: the longest program of all first (it bounds the run),
    then the tasks from the shortest in all, each task's programs longest first, the longest
    program's task last. While one worker runs the longest program the others finish the short
    tasks one after another: the first table comes early, and the run is as long as longest-first."""
    if not work:
        return []
    first = max(range(len(work)), key=lambda index: seconds_alone(*work[index]))
    total = {}
    for task, program in work:
        total[task] = total.get(task, 0.0) + seconds_alone(task, program)
    last_task = work[first][0]
    rest = [index for index in range(len(work)) if index != first]
    return [first] + sorted(rest, key=lambda index: (work[index][0] == last_task, total[work[index][0]],
                                                     work[index][0], -seconds_alone(*work[index])))
