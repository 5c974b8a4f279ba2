"""
Title: Logistic regression on MNIST, the course's start and loss (a negative result)
Description: The course's N(0, 1) weights and clipped cross-entropy, measured against the programs' zeros and logits.

The course (seed 002) drew W from N(0, 1) and took the loss as -log(clip(softmax, 1e-9, 1)).
Logits of size ~10 put the true class of many images below 1e-9, where the clip passes no
gradient: those images teach nothing until another update happens to lift them. This
script trains the course's program (TF2, GradientTape, SGD 0.1, 1000 batches of 256, in the
spec's batch order) from each start with each loss and counts those images (README: The course's choices).
"""

from tf_rosetta import implementations  # noqa: F401  (before TensorFlow: fixes its settings)
import keras
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations import registry

NORMAL_START_SEED = 0  # the course's tf.random.normal had no seed; this draw is NumPy's


def train_course_program(spec, W_start, clipped: bool) -> dict:
    """The course's program from W_start: the clipped loss (clipped=True) or the loss from
    the logits. Returns the test accuracy and how many training images, summed over the
    steps, had a true-class probability below the clip when their batch was used."""
    W = tf.Variable(W_start, name="weight")
    b = tf.Variable(tf.zeros([10]), name="bias")
    optimizer = keras.optimizers.SGD(spec.learning_rate)

    def logistic_regression(x):
        return tf.nn.softmax(tf.matmul(x, W) + b)

    def cross_entropy(pred_y, true_y):  # the course's, clip and all
        true_y = tf.one_hot(true_y, depth=10)
        pred_y = tf.clip_by_value(pred_y, 1e-9, 1.)
        return tf.reduce_mean(-tf.reduce_sum(true_y * tf.math.log(pred_y), 1))

    def accuracy(y_pred, y_true):
        correct_prediction = tf.equal(tf.argmax(y_pred, 1), tf.cast(y_true, tf.int64))
        return tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    @tf.function
    def run_optimization(x, y):
        with tf.GradientTape() as tape:
            pred = logistic_regression(x)
            if clipped:
                loss = cross_entropy(pred, y)
            else:
                logits = tf.matmul(x, W) + b
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        gradients = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(gradients, [W, b]))
        return tf.reduce_sum(tf.cast(tf.gather(pred, y, batch_dims=1) < 1e-9, tf.int32))

    below_clip = sum(int(run_optimization(spec.x_train[batch], spec.y_train[batch])) for batch in spec.batch_indices)
    test_accuracy = accuracy(logistic_regression(spec.probe_inputs), spec.y_test)
    return {"accuracy": float(test_accuracy), "below_clip": below_clip}


def measure(spec=None) -> dict:
    """The course's program from N(0, 1) and from zeros, with the clipped loss and from logits."""
    spec = spec or registry.load_spec("logistic_mnist")
    normal = np.random.default_rng(NORMAL_START_SEED).standard_normal((784, 10)).astype(np.float32)
    zeros = np.zeros((784, 10), np.float32)
    found = {"data": spec.data_description}
    for start_name, start in [("normal", normal), ("zeros", zeros)]:
        for loss_name, clipped in [("clipped", True), ("logits", False)]:
            found[f"{start_name}_{loss_name}"] = train_course_program(spec, start, clipped)
    return found


if __name__ == "__main__":
    found = measure()
    print("data:", found.pop("data"))
    for name, result in found.items():
        start, loss = name.split("_")
        print(f"start {start:<6}  loss {loss:<7}  test accuracy {result['accuracy']:.4f}  "
              f"true-class probabilities below 1e-9 over the 1000 batches: {result['below_clip']:,}")
