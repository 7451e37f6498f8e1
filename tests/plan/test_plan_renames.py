"""git's rename detection by content, against git itself (``git diff-tree -M``)."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ai_rollback.plan import pairs_by_content
from ai_rollback.plan.renames import MAX_SCORE, similarity
from conftest import Repo

LINES = st.lists(
    st.one_of(
        st.sampled_from(["a", "bb", "same line", "x" * 70, "y" * 130, "", "tab\there", "crlf\r"]),
        st.text("abcz \t\r", max_size=80),
    ),
    max_size=40,
)


def render(lines: list[str], newline_at_end: bool) -> bytes:
    text = "\n".join(lines)
    return (text + "\n" if newline_at_end and lines else text).encode()


@st.composite
def pairs(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A file and what it became: some lines kept, some changed, some added."""
    src_lines = draw(LINES)
    dst_lines = [line for line in src_lines if draw(st.booleans()) or draw(st.booleans())]
    dst_lines[draw(st.integers(0, len(dst_lines))) : 0] = draw(LINES)
    return render(src_lines, draw(st.booleans())), render(dst_lines, draw(st.booleans()))


def git_pairs(repo: Repo, src: bytes, dst: bytes) -> bool:
    """Does git call deleting ``old`` (``src``) and adding ``new`` (``dst``) a rename?"""
    repo.git("rm", "-rqf", "--ignore-unmatch", ".")
    (repo.path / "old").write_bytes(src)
    repo.git("add", "-f", "old")
    repo.git("commit", "-q", "--allow-empty", "-m", "Human: before")
    repo.git("rm", "-q", "old")
    (repo.path / "new").write_bytes(dst)
    repo.git("add", "-f", "new")
    repo.git("commit", "-q", "-m", "Human: after")
    status = repo.out("diff-tree", "-r", "-M", "--name-status", "HEAD~", "HEAD")
    return status.startswith("R")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=pairs())
def test_pairs_by_content_is_gits_rename_detection(repo: Repo, pair: tuple[bytes, bytes]) -> None:
    src, dst = pair
    assume(src and dst)  # plain diff pairs empty files; a merge, the one that matters, never does
    assert pairs_by_content(src, dst) == git_pairs(repo, src, dst), similarity(src, dst) / MAX_SCORE


def test_the_edges(repo: Repo) -> None:
    body = b"".join(b"line %d\n" % i for i in range(10))
    cases = [
        (body, body),  # the same
        (body, body[: len(body) // 2]),  # half of it: exactly at the score
        (body, body[: len(body) // 2 - 1]),  # just under
        (body, body.replace(b"\n", b"\r\n")),  # CRLF: the CRs do not count as changes
        (b"x" * 200, b"x" * 200 + b"y"),  # one long line, cut every 64 bytes
        (b"\0binary" * 20, b"\0binary" * 19),
        (b"a", b"\na"),  # what follows the last newline does not count
        (b"z" * 130, b"z" * 128 + b"\n"),  # ... unless it fills 64 bytes
        (b"a\n" * 7 + b"x" * 70, b"y" * 130 + b"\na\na\na"),  # 64 x's and 64 y's: one hash in git
    ]
    for src, dst in cases:
        assert pairs_by_content(src, dst) == git_pairs(repo, src, dst), (src[:20], dst[:20])
