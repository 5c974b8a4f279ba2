"""Two logical CPU devices in this process, for the programs that split a batch across replicas.

TensorFlow fixes its devices when it first uses them (the first op, the first
`list_logical_devices`), once per process; a logical device configuration must come before.
`two_logical_cpus()` splits the one physical CPU into two logical ones, `/cpu:0` and `/cpu:1`,
and may be called again later in the same process: once the devices are set it only checks
them. Ops are placed on `/cpu:0` unless a program asks for `/cpu:1`, and the two logical
devices share the process's thread pools, so a program that uses one device computes the same
bits either way (tests/test_distribute.py runs the six styles both ways and compares).
"""

LOGICAL_CPUS = 2


class DevicesAlreadyInitialized(RuntimeError):
    """TensorFlow fixed its devices before two logical CPUs could be configured: one line."""


def two_logical_cpus() -> list[str]:
    """Configure (or check) two logical CPU devices; return their names."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)
    if configured is None:
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(LOGICAL_CPUS)])
        except RuntimeError:
            pass  # the devices are fixed already: the check below says how
    names = [device.name for device in tf.config.list_logical_devices("CPU")]
    if len(names) != LOGICAL_CPUS:
        raise DevicesAlreadyInitialized(
            f"this process's TensorFlow fixed its devices as {len(names)} logical CPU(s) before two could be "
            f"configured: call implementations.devices.two_logical_cpus() before TensorFlow's first op")
    return names
