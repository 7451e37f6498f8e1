"""The planner (pure): the policies, the filters, reverts that cancel."""

from __future__ import annotations

from ai_rollback.plan import (
    Commit,
    already_reverted,
    make_plan,
)


def _commits(*specs: tuple[str, str, list[str]]) -> list[Commit]:
    import hashlib

    def sha(i: int) -> str:
        return hashlib.sha1(str(i).encode()).hexdigest()

    return [
        Commit(
            i,
            sha(i),
            [sha(i - 1)] if i else [],
            subject,
            kind,
            "test",
            paths=[("M", f, f) for f in files],
        )
        for i, (kind, subject, files) in enumerate(specs)
    ]


def test_policies() -> None:
    commits = _commits(
        ("human", "base", ["f"]),
        ("ai", "AI: a", ["f"]),
        ("human", "human on f", ["f"]),
        ("ai", "AI: free", ["g"]),
    )

    def track(
        files: set[int], ids: dict[tuple[int, str], int], revert: set[int]
    ) -> dict[tuple[int, int], tuple[str, ...]]:
        assert files  # only f is contested
        return {(1, 2): ("f",)}

    stop = make_plan("r", commits, track, policy="stop")
    assert stop.refused and stop.entangled[0].target == commits[1].sha
    assert stop.entangled[0].blockers == [commits[2].sha] and stop.entangled[0].files == ["f"]
    skip = make_plan("r", commits, track, policy="skip")
    assert [c.subject for c in skip.to_revert] == ["AI: free"]
    assert skip.decisions[commits[1].sha].action == "skip"
    include = make_plan("r", commits, track, policy="include")
    assert [c.subject for c in include.to_revert] == ["AI: free", "human on f", "AI: a"]
    assert include.included == [commits[2].sha]
    human = make_plan("r", commits, lambda f, i, r: {}, only="human")
    assert [c.subject for c in human.to_revert] == ["human on f", "base"]


def test_filters_and_reverted() -> None:
    commits = _commits(("ai", "AI: a", ["f"]), ("ai", "AI: b", ["g"]), ("human", "Revert b", ["g"]))
    commits[0].model = "gpt-5"
    commits[1].model = "Claude"
    commits[2].reverts = [commits[1].sha[:12]]
    assert already_reverted(commits) == {commits[1].sha: commits[2].sha}
    p = make_plan("r", commits, lambda f, i, r: {})
    assert [c.subject for c in p.to_revert] == ["AI: a"]
    assert "already reverted" in p.decisions[commits[1].sha].reason
    assert make_plan("r", commits, lambda f, i, r: {}, model="claude*").to_revert == []
    assert [c.subject for c in make_plan("r", commits, lambda f, i, r: {}, model="GPT-*").to_revert] == [
        "AI: a"
    ]
    assert make_plan("r", commits, lambda f, i, r: {}, path_selected=set()).to_revert == []


def test_reapplied_commit_is_live_again() -> None:
    commits = _commits(("ai", "AI: a", ["f"]), ("human", "Revert a", ["f"]), ("human", "Reapply a", ["f"]))
    commits[1].reverts = [commits[0].sha]
    commits[2].reverts = [commits[1].sha]
    assert already_reverted(commits) == {commits[1].sha: commits[2].sha}
