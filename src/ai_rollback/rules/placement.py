"""Rules on where trailers stand: ``trailers-glued``, ``trailer-key``, ``trailers-not-last``.

git reads trailers only from the last paragraph, and only with keys it can
parse; these rules name our keys written anywhere else.
"""

from __future__ import annotations

from ai_rollback import kinds
from ai_rollback.rules.base import Facts, Violation, bad_key


def trailers_glued(f: Facts) -> list[Violation]:
    if f.kind != kinds.AI or not f.glued:
        return []
    index = f.glued[0][0]
    names = ", ".join(f'"{w}:"' for _, (w, _c) in f.glued)
    misspelled = [(w, c) for _, (w, c) in f.glued if bad_key(w)]
    problem = (
        f"{names} follow the subject with no blank line, so git reads them as part of the subject, "
        "not as trailers"
    )
    fix = "put a blank line after the subject and the trailers last"
    if misspelled:
        keys = ", ".join(f'"{w}:"' for w, _c in misspelled)
        problem += f"; and {keys} {'is not a key' if len(misspelled) == 1 else 'are not keys'} git reads"
        fix += ", written " + ", ".join(f'"{c}:"' for _w, c in misspelled)
    return [Violation("trailers-glued", problem, index, f"{fix}; {f.hints.fix}")]


def trailer_key(f: Facts) -> list[Violation]:
    return [
        Violation(
            "trailer-key",
            f'"{written}:" is not a trailer key git reads (letters, digits and "-" only)',
            index,
            f'write "{canonical}:"',
            index,
        )
        for index, written, canonical, why in f.misplaced
        if why == "key"
    ]


def trailers_not_last(f: Facts) -> list[Violation]:
    out = []
    for index, written, _canonical, why in f.misplaced:
        if why == "not-last":
            out.append(
                Violation(
                    "trailers-not-last",
                    f'"{written}:" is not in the last paragraph, so git does not read it as a trailer',
                    index,
                    "move the trailers to the end of the message, after a blank line",
                    index,
                )
            )
        elif why == "shared":
            out.append(
                Violation(
                    "trailers-not-last",
                    f'"{written}:" shares its paragraph with text that is not a trailer, '
                    "so git reads no trailers there",
                    index,
                    "keep the last paragraph to trailers only; move prose above it, or fold a long "
                    "value onto lines that start with a space",
                    index,
                )
            )
    return out
