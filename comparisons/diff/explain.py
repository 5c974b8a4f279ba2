"""The seam for explaining a parting from the divergence catalog (a later issue fills it).

`explain` gets everything diff measured: the two traces (runner.Trace: names, values per
update, losses, batch digests, the hooks' notes), the alignment and the comparison; it returns
lines that the report prints after the table. Today it returns none: diff explains nothing
it has not measured.
"""


def explain(a, b, alignment, comparison) -> list[str]:
    return []
