"""The show page's checkpoint table: where each style's checkpoint keeps each weight (no training)."""

import html

from tf_rosetta.comparisons.checkpoints import formats, matrix
from tf_rosetta.implementations import registry

_FORMAT_NAMES = {"tf1_saver": "tf.compat.v1.train.Saver (names)", "tf_checkpoint": "tf.train.Checkpoint (objects)",
                 "keras_weights": "Keras .weights.h5 (layer paths)"}


def checkpoints_html(task: str) -> str:
    spec, layouts = registry.load_spec(task), matrix.layout_module(task)
    styles = [style for style in registry.STYLES if style in layouts.LAYOUTS]
    e = html.escape
    head = "".join(f"<th><code>{e(style)}</code><br><small>{e(_FORMAT_NAMES[layouts.LAYOUTS[style].format])}: "
                   f"<code>{e(layouts.LAYOUTS[style].file)}</code></small></th>" for style in styles)
    rows = []
    for name in spec.initial_weights:
        cells = "".join(f"<td><code>{e(str(layouts.LAYOUTS[style].key(name)))}</code></td>" for style in styles)
        rows.append(f"<tr><th><code>{e(name)}</code></th>{cells}</tr>")
    step = "".join(f"<td><code>{e(formats.SLOT_RULES[layouts.LAYOUTS[style].format].step)}</code></td>"
                   for style in styles)
    rows.append(f"<tr><th>the step</th>{step}</tr>")
    from tf_rosetta.comparisons.checkpoints.matrix import NOT_IN_THE_MATRIX

    what = (f'<code>tf-rosetta checkpoints</code> leaves {e(task)} out: {e(NOT_IN_THE_MATRIX[task])}.'
            if task in NOT_IN_THE_MATRIX else
            f'<code>tf-rosetta checkpoints {e(task)}</code> loads every style\'s checkpoint into every other '
            f'style through these keys and resumes training from it (after {layouts.RESUME_AT} of '
            f'{layouts.STEPS} steps).')
    return (f'<p>Each style saves in its API\'s own format; {what} <code>tf-rosetta checkpoints --inspect PATH</code> '
            f'lists a file of your own.</p><div class="scroll"><table class="data" id="checkpoint-table"><thead><tr>'
            f'<th>weight</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
