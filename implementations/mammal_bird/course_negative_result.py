"""
Title: Mammal or bird, the course's one-layer network (a negative result)
Description: 2 -> 3 with ReLU, then softmax, trained as the course did (TF1, SGD 0.01, 100 steps): 4 of 6 right.

Run: python -m tf_rosetta.implementations.mammal_bird.course_negative_result
"""

from tf_rosetta import implementations  # noqa: F401  (before TensorFlow: fixes its settings)
import numpy as np
import tensorflow as tf

from tf_rosetta.implementations.mammal_bird.spec import SPEC

v1 = tf.compat.v1

STEPS = 100
LEARNING_RATE = 0.01  # the course's GradientDescentOptimizer(learning_rate=0.01)
# As the course, uniform in [-1, 1) and a zero bias: np.round(default_rng(3).uniform(-1, 1, (2, 3)), 3).
W_START = np.array([[-0.829, -0.526, 0.603], [0.164, -0.812, -0.134]], dtype=np.float32)
MAMMAL = SPEC.class_names.index("mammal")


def train_one_layer(starts, steps=STEPS):
    """The course's network from k (2, 3) starts, side by side: predictions, accuracies, costs every 10 steps, W."""
    starts = np.asarray(starts, dtype=np.float32)
    graph = tf.Graph()
    with graph.as_default():
        X = v1.placeholder(tf.float32, shape=[None, 2])
        Y = v1.placeholder(tf.float32, shape=[None, 3])
        W = v1.get_variable("W", initializer=starts)  # (k, 2, 3): one W per network
        b = v1.get_variable("b", initializer=np.zeros((len(starts), 1, 3), np.float32))
        L = tf.nn.relu(tf.add(tf.matmul(X, W), b))  # (k, 6, 3)
        model = tf.nn.softmax(L)
        # The course's cost, the log of the softmax without clipping, one per network.
        cost = tf.reduce_mean(-tf.reduce_sum(Y * tf.math.log(model), axis=2), axis=1)
        # The networks share no weight: the gradient of the sum is each one's own gradient.
        train_op = v1.train.GradientDescentOptimizer(LEARNING_RATE).minimize(tf.reduce_sum(cost))
        prediction = tf.argmax(model, 2)  # on a tie (all scores 0) the first class, "other"
        target = tf.argmax(Y, 1)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(prediction, target), tf.float32), axis=1)

    feed = {X: SPEC.x_train, Y: SPEC.y_train}
    with v1.Session(graph=graph) as session:
        session.run(v1.global_variables_initializer())
        costs = []
        for step in range(steps):
            session.run(train_op, feed_dict=feed)
            if (step + 1) % 10 == 0:
                costs.append(session.run(cost, feed_dict=feed))
        predicted, accuracies, W_final = session.run([prediction, accuracy, W], feed_dict=feed)
    return predicted, accuracies, np.array(costs), W_final


def measure(starts: int = 1000, steps: int = STEPS) -> dict:
    """The course's network from W_START, and from `starts` other uniform starts, after `steps` steps."""
    predicted, accuracy, costs, W_final = train_one_layer(W_START[None], steps)
    _, accuracies, _, _ = train_one_layer(np.random.default_rng(0).uniform(-1, 1, (starts, 2, 3)), steps)
    right = np.rint(accuracies * len(SPEC.x_train)).astype(int)
    return {
        "steps": steps, "accuracy": float(accuracy[0]), "predicted": predicted[0].tolist(),
        "costs": costs[:, 0].tolist(),  # after 10, 20, ... steps, as the course printed them
        "mammal_weights_unchanged": bool(np.array_equal(W_final[0][:, MAMMAL], W_START[:, MAMMAL])),
        # how many of the other starts classify 0, 1, ..., 6 of the six animals right
        "starts": starts, "starts_by_examples_right": np.bincount(right, minlength=len(SPEC.x_train) + 1).tolist(),
    }


if __name__ == "__main__":
    # The course's 100 steps, then 100 times as many (about a minute on two cores).
    for steps in (STEPS, 100 * STEPS):
        found = measure(steps=steps)
        print(f"after {steps} steps:")
        for step, cost in list(enumerate(found["costs"], 1))[-10:]:
            print(10 * step, cost)
        print("predicted:", found["predicted"])
        print("target:   ", np.argmax(SPEC.y_train, axis=1).tolist())
        print("accuracy: %.2f" % (found["accuracy"] * 100))
        print("mammal weights never moved:", found["mammal_weights_unchanged"])
        print(f"{found['starts']} other starts, by animals right (0-6):", found["starts_by_examples_right"])
