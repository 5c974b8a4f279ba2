"""The course's negative results, measured here: each task's course_negative_result.py."""


# XOR (seed 002, lines 3771-3871): the course's single neuron cannot learn XOR.

def test_xor_course_single_neuron_gets_two_of_four_points_right():
    from tf_rosetta.implementations.xor import course_negative_result

    found = course_negative_result.measure(starts=100)
    # As the course evaluated it (without the bias input b_x): every output near 0.27, as it printed.
    assert found["accuracy"] == 0.5
    assert all(0.26 < output < 0.29 for output in found["outputs"])
    # As it trained (with b_x): on the fence, every output within 0.02 of 0.5.
    assert found["trained_accuracy"] == 0.5
    assert all(abs(output - 0.5) < 0.02 for output in found["trained_outputs"])
    # The errors cancel, as in the course (5e-7): the rule has converged, not stalled early.
    assert abs(found["error_sums"][-1]) < 1e-5
    # Not the start's fault: none of 100 N(0, 1) starts gets more than 2 of 4 right.
    assert found["accuracies"] == [0.5] and found["trained_accuracies"] == [0.5]


# Mammal or bird (seed 003, lines 290-506): the course's one-layer network stops at 66.67%.

def test_mammal_bird_course_one_layer_network_gets_four_of_six_right():
    import numpy as np

    from tf_rosetta.implementations.mammal_bird import course_negative_result

    found = course_negative_result.measure(starts=1000)
    # 66.67%, as the course printed: a 2 -> 3 ReLU layer before the softmax, 100 SGD steps.
    assert found["accuracy"] == np.float32(4) / np.float32(6)
    assert found["predicted"] == [0, 2, 2, 0, 0, 0]
    # The "mammal" score is below zero on every input: the ReLU passes it no gradient, ever.
    assert found["mammal_weights_unchanged"]
    # Not this start's bad luck: within the course's 100 steps hardly any start gets all six.
    assert sum(found["starts_by_examples_right"]) == found["starts"]
    assert found["starts_by_examples_right"][6] <= 0.02 * found["starts"]


# Logistic MNIST (seed 002, lines 2853-3006): the N(0, 1) start costs ten points, the clip little.

def test_logistic_mnist_course_normal_start_costs_ten_points_and_the_clip_little():
    import numpy as np

    from tf_rosetta.implementations.logistic_mnist import course_negative_result

    found = course_negative_result.measure()
    assert found["data"].startswith("embedded MNIST subset")  # the tests' KERAS_HOME has no MNIST
    zeros, normal = found["zeros_logits"]["accuracy"], found["normal_clipped"]["accuracy"]
    # From zeros the course's program scores what the six programs score: 903 of 1000 test images.
    assert zeros == np.float32(903) / np.float32(1000)
    assert found["zeros_clipped"] == found["zeros_logits"] == {"accuracy": zeros, "below_clip": 0}
    # From N(0, 1): about ten points lower, with over a thousand images below the clip ...
    assert normal < zeros - 0.05
    assert found["normal_clipped"]["below_clip"] > 1000
    # ... yet the clip itself costs under a point: the start is what hurts.
    assert abs(normal - found["normal_logits"]["accuracy"]) < 0.01
