"""``log --format html``: one self-contained page; checked as text, and in a real browser.

The browser test renders the report of a generated history with several
releases in headless Chromium (Debian's package; ``.ci/run`` installs it)
and checks what a person would: as many bars as releases in each release
chart, no label outside its chart, no script error; it also takes the
screenshot the README shows.  It is skipped, saying why, where Chromium is
missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ai_rollback.commands import html as html_module
from ai_rollback.commands.tag import open_tagger
from conftest import Repo, ai_message

MODELS = ["Claude Sonnet 4.5", "GPT-5", "Gemini 2.5 Pro"]
HOSTILE = "<script>alert('subject')</script>"
HOSTILE_PROMPT = '<img src=x onerror="alert(1)"> & "quotes"'


def history(repo: Repo, releases: int, ai_every: int = 2) -> list[str]:
    """``releases`` releases, each with a few human and AI commits (models and directories vary)."""
    repo.commit("Human: start", {"README.md": "start\n"})
    repo.git("tag", "-a", "v0.1.0", "-m", "first")
    names = []
    n = 0
    for r in range(releases):
        for k in range(3):
            n += 1
            if (r + k) % ai_every == 0:
                path = f"src/{['api', 'ui', 'core'][k % 3]}/f{n}.py"
                repo.commit(
                    ai_message(
                        f"feature {n}", [path], model=MODELS[(r + k) % len(MODELS)], prompt=f"add feature {n}"
                    ),
                    {path: "".join(f"line {i}\n" for i in range(k + 2))},
                )
            else:
                repo.commit(f"Human: fix {n}", {f"docs/d{n}.md": f"doc {n}\n"})
        name = f"v0.{r + 2}.0"
        repo.tool("tag", name)
        names.append(name)
    return names


def report(repo: Repo, *args: str) -> str:
    return repo.tool("log", *args, "--format", "html").stdout


def test_the_page_is_self_contained_and_holds_a_bar_per_release(repo: Repo) -> None:
    names = history(repo, 4)
    page = report(repo)
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from elsewhere
    for chart in ("chart-commits", "chart-lines"):
        svg = page.split(f'id="{chart}"', 1)[1].split("</svg>", 1)[0]
        assert re.findall(r'<rect class="bar" data-release="([^"]+)"', svg) == ["v0.1.0", *names]
    assert page.count('<g class="stack"') == len(names) + 1
    assert "prefers-color-scheme: dark" in page and "@media print" in page
    assert '<tr id="release-v0.5.0">' in page


def test_commit_text_is_escaped(repo: Repo) -> None:
    repo.commit("Human: start", {"a.txt": "a\n"})
    repo.git("tag", "-a", "v1.0.0", "-m", "one")
    repo.commit(ai_message(HOSTILE, ["b.py"], model="<b>model</b>", prompt=HOSTILE_PROMPT), {"b.py": "b\n"})
    repo.tool("tag", "v1.1.0", "--slug", "x")
    page = report(repo)
    assert HOSTILE not in page and "<img src=x" not in page and "<b>model</b>" not in page
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &#34;quotes&#34;" in page
    assert page.count("<script>") == 1  # the page's own search


def test_no_ai_commits_says_so_and_draws_no_chart(repo: Repo) -> None:
    repo.commit("Human: start", {"a.txt": "a\n"})
    repo.git("tag", "-a", "v1.0.0", "-m", "one")
    page = report(repo)
    assert 'id="no-ai"' in page and "<svg" not in page


def test_no_release_is_one_column(repo: Repo) -> None:
    repo.commit("Human: start", {"a.txt": "a\n"})
    repo.commit(ai_message("b", ["b.py"]), {"b.py": "b\n"})
    page = report(repo)
    assert "No release tags in this range" in page
    assert re.findall(r'<rect class="bar" data-release="([^"]+)"', page.split('id="chart-commits"')[1])[
        :1
    ] == ["the range"]


def test_the_commit_table_is_capped_with_a_note(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    history(repo, 3, ai_every=1)
    monkeypatch.chdir(repo.path)
    monkeypatch.setattr(html_module, "TABLE_LIMIT", 4)
    from ai_rollback.commands import log as command

    out_path = repo.path / "report.html"
    with open(out_path, "w", encoding="utf-8") as out:
        command.log(None, "html", out=out)
    page = out_path.read_text()
    assert page.count('<tr data-release="') == 4
    assert "The table holds the newest 4 of 9 AI commits" in page
    assert open_tagger() is not None


# --- In a real browser ------------------------------------------------------------------------

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)), None
)

#: run first (errors are caught from then on), then, once the page has loaded, the checks
PROBE_HEAD = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
var __error = console.error;
console.error = function () { window.__errors.push(Array.prototype.join.call(arguments, " ")); __error.apply(console, arguments); };
</script>"""
PROBE_TAIL = """<script>
window.addEventListener("load", function () {
  var out = {errors: window.__errors, charts: {}, clipped: []};
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    out.charts[svg.id] = {bars: svg.querySelectorAll("rect.bar").length, stacks: svg.querySelectorAll("g.stack").length};
    svg.querySelectorAll("text").forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.clipped.push(svg.id + ": " + t.textContent);
      }
    });
  });
  out.releases = document.querySelectorAll("#releases tbody tr").length;
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--virtual-time-budget=3000",
    ]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
@pytest.mark.parametrize("count", [1, 12])
def test_in_chromium_every_release_has_its_bar_and_no_label_is_clipped(
    repo: Repo, tmp_path: Path, count: int
) -> None:
    names = history(repo, count)
    page = report(repo)
    probed = tmp_path / "probed.html"
    probed.write_text(
        page.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</body>", PROBE_TAIL + "</body>", 1)
    )
    profile = tmp_path / "profile"
    done = chromium(f"--user-data-dir={profile}", "--window-size=1280,2400", "--dump-dom", probed.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    import html

    result = json.loads(html.unescape(found.group(1)))
    releases = count + 1  # v0.1.0, then one per generated release
    assert result["errors"] == []
    assert result["releases"] == releases
    assert result["charts"]["chart-commits"]["bars"] == releases
    assert result["charts"]["chart-lines"]["bars"] == releases
    assert result["charts"]["chart-models"]["stacks"] == releases
    assert result["clipped"] == []
    shot = tmp_path / "report.png"
    chromium(f"--user-data-dir={profile}", "--window-size=1280,1600", f"--screenshot={shot}", probed.as_uri())
    assert shot.exists() and shot.stat().st_size > 10_000
    if count == 12 and os.environ.get("REPORT_SCREENSHOT"):
        shutil.copy(shot, os.environ["REPORT_SCREENSHOT"])  # the README's picture
    assert names[-1] in page
