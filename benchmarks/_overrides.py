"""``--set FIELD=VALUE`` of the benchmarks: recipe overrides, parsed once for every script."""

from __future__ import annotations

import ast
import dataclasses


def parse_overrides(texts, recipe) -> dict:
    """``{field: value}`` for ``texts`` like ``["lr_g=1e-3", "betas=(0.5, 0.9)"]``, each value a
    Python literal (a number, a tuple, True or a quoted string) and each field one of ``recipe``'s
    (a dataclass); ``SystemExit`` naming what is wrong."""
    fields = {f.name for f in dataclasses.fields(recipe)}
    overrides = {}
    for text in texts:
        key, _, value = text.partition("=")
        if key not in fields:
            raise SystemExit(f"--set: unknown recipe field {key!r} (fields: {', '.join(sorted(fields))})")
        try:
            overrides[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise SystemExit(f"--set: {text!r} is not FIELD=<a Python literal: number, tuple, True, 'text'>") from None
    return overrides
