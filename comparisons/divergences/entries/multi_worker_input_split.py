"""multi_worker_input_split: across workers, tf.data's auto-sharding decides which examples each one sees.

On one device a batch of the input pipeline is what a step trains on. Under
MultiWorkerMirroredStrategy, `experimental_distribute_dataset` (and Keras's `fit`) shards the
pipeline between the workers, by the policy in `tf.data.Options().experimental_distribute`:
AUTO, the default, shards by FILE when the pipeline reads files (each worker reads other
files, so a step trains on other examples than one device's batch), else by DATA, which for
a pipeline of tensors in memory gives each worker its contiguous part of every batch; OFF
gives every worker the whole pipeline, so both train on the same half and the other half of
the batch is never seen. `strategy.distribute_datasets_from_function` states the split
instead: each worker builds its own part.

The probe starts two workers on 127.0.0.1 (implementations.cluster) and records which
example ids each worker's replica receives in the first steps, for a pipeline of two text
files (AUTO), of tensors (AUTO and OFF), and of each worker's stated half.
"""

import functools
import tempfile
from pathlib import Path

import numpy as np

from ..record import Divergence, Measured

EXAMPLES, BATCH, STEPS = 48, 8, 3  # example ids 0-47 in order, in two files of 24


def rows_seen(files) -> dict:
    """In each worker: the example ids its replica receives in the first STEPS steps, per pipeline."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    policy = tf.data.experimental.AutoShardPolicy

    def first_steps(distributed):
        iterator = iter(distributed)
        return [[int(i) for part in strategy.experimental_local_results(next(iterator)) for i in part.numpy()]
                for _ in range(STEPS)]

    def shard_policy(dataset, value):
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = value
        return dataset.with_options(options)

    from_files = tf.data.TextLineDataset(files).map(lambda line: tf.strings.to_number(line, tf.int64)).batch(BATCH)
    from_tensors = tf.data.Dataset.from_tensor_slices(np.arange(EXAMPLES, dtype=np.int64)).batch(BATCH)
    per_replica = BATCH // strategy.num_replicas_in_sync

    def own_half(context):
        batches = np.arange(EXAMPLES, dtype=np.int64).reshape(-1, BATCH)
        first = context.input_pipeline_id * per_replica
        return tf.data.Dataset.from_tensor_slices(batches[:, first:first + per_replica])

    seen = {"files, AUTO": first_steps(strategy.experimental_distribute_dataset(from_files)),
            "tensors, AUTO": first_steps(strategy.experimental_distribute_dataset(from_tensors)),
            "tensors, OFF": first_steps(strategy.experimental_distribute_dataset(
                shard_policy(from_tensors, policy.OFF))),
            "stated halves": first_steps(strategy.distribute_datasets_from_function(own_half))}
    print(f"step {STEPS}")  # how far this worker is, for the launcher
    return seen


def unseen_share(workers_seen: list[list[list[int]]]) -> float:
    """The share of one device's batches (the first STEPS) that no worker trains on."""
    missing = 0
    for step in range(STEPS):
        intended = set(range(step * BATCH, (step + 1) * BATCH))
        missing += len(intended - {i for seen in workers_seen for i in seen[step]})
    return missing / (STEPS * BATCH)


def is_stated_split(workers_seen) -> bool:
    """Worker w's replica gets rows [w * half, (w + 1) * half) of each batch: the programs' split."""
    half = BATCH // len(workers_seen)
    return all(seen[step] == list(range(step * BATCH + w * half, step * BATCH + (w + 1) * half))
               for w, seen in enumerate(workers_seen) for step in range(STEPS))


@functools.cache
def measure_splits() -> dict:
    """{pipeline: (unseen share, whether it is the stated split, worker 0's ids at step 0, worker 1's)}."""
    from tf_rosetta.implementations import cluster

    with tempfile.TemporaryDirectory(prefix="tf-rosetta-shards-") as folder:
        files = []
        for index, ids in enumerate(np.arange(EXAMPLES).reshape(2, -1)):
            files.append(str(Path(folder) / f"part{index}.txt"))
            Path(files[-1]).write_text("".join(f"{i}\n" for i in ids))
        workers = cluster.run_all(rows_seen, files, workers=2)
    return {name: (unseen_share([w[name] for w in workers]), is_stated_split([w[name] for w in workers]),
                   workers[0][name][0], workers[1][name][0]) for name in workers[0]}


def probe_multi_worker_input_split() -> Measured:
    found = measure_splits()
    details = "; ".join(f"{name}: step 0 worker 0 {w0}, worker 1 {w1}, {share:.0%} of the batch unseen"
                        for name, (share, _, w0, w1) in found.items())
    stated = found["stated halves"]
    return Measured(default=found["files, AUTO"][0], aligned=stated[0] + (0.0 if stated[1] else 1.0),
                    details=details)


def reads_a_stated_split(path: Path, source: str) -> list[str]:
    """A multi-worker program may not turn auto-sharding off, nor auto-shard files."""
    if "AutoShardPolicy.OFF" in source:
        return [f"{path}: AutoShardPolicy.OFF: every worker would train on the same examples"]
    reads_files = any(reader in source for reader in ("TFRecordDataset", "TextLineDataset", "list_files"))
    if reads_files and "distribute_datasets_from_function" not in source:
        return [f"{path}: reads files under auto-sharding: each worker would see other files than one device's "
                f"batches; state the split with distribute_datasets_from_function"]
    return []


ENTRY = Divergence(
    name="multi_worker_input_split",
    lesson=__doc__,
    quantity="share of one device's batch (8 ids) that neither of two workers trains on at that step, first 3 steps",
    setting="each worker's part of every batch, stated",
    aligned_by="multiworker_tape builds each worker's half of every batch with `distribute_datasets_from_function`; "
               "multiworker_keras feeds tensors in memory, which AUTO shards by DATA into the same halves",
    recorded=Measured(default=0.8333333333333334, aligned=0.0,
                      details="files, AUTO: step 0 worker 0 [0, 1, 2, 3], worker 1 [24, 25, 26, 27], 83% of the "
                              "batch unseen; tensors, AUTO: step 0 worker 0 [0, 1, 2, 3], worker 1 [4, 5, 6, 7], 0% "
                              "of the batch unseen; tensors, OFF: step 0 worker 0 [0, 1, 2, 3], worker 1 [0, 1, 2, "
                              "3], 83% of the batch unseen; stated halves: step 0 worker 0 [0, 1, 2, 3], worker 1 "
                              "[4, 5, 6, 7], 0% of the batch unseen"),
    default_at_least=0.25, aligned_at_most=0.0,
    why="stated, worker w's replica gets rows [4w, 4w + 4) of every batch of 8, as MirroredStrategy splits it",
    probe=probe_multi_worker_input_split,
    applies_to=r"MultiWorkerMirroredStrategy\(",
    alignment_problems=reads_a_stated_split,
)
