"""``log --format html``: one self-contained page; checked as text, and in a real browser.

The browser test renders the report of a generated history with several
releases in headless Chromium (Debian's package; ``.ci/run`` installs it)
and checks what a person would: as many bars as releases in each release
chart, no label outside its chart, no script error; it also takes the
screenshot the README shows.  It is skipped, saying why, where Chromium is
missing.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

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


# --- Faults a hostile review found (one test each) ------------------------------------------


class _Markup(HTMLParser):
    """The page's element structure: every element closed in order, the table rows' cells."""

    VOID: ClassVar[set[str]] = {"meta", "br", "input", "img", "line", "rect", "link", "hr", "path"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []  # (tag, id) of the open elements
        self.errors: list[str] = []
        self.cells: list[int] = []  # <td> per row of the AI commit table

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        in_table = any(i == "commit-table" for _, i in self.stack)
        if in_table and tag == "tr":
            self.cells.append(0)
        if in_table and tag == "td" and self.cells:
            self.cells[-1] += 1
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("id") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else None}")
            return
        self.stack.pop()


def structure(page: str) -> _Markup:
    parser = _Markup()
    parser.feed(page)
    parser.close()
    return parser


def test_a_key_header_in_a_subject_leaves_the_page_whole(repo: Repo) -> None:
    """Redaction ran over the finished page: a key's header with no end line took all after it."""
    repo.commit("Human: start", {"a.txt": "a\n"})
    for n in range(3):
        repo.commit(ai_message(f"older {n}", [f"o{n}.py"]), {f"o{n}.py": "o\n"})
    repo.commit(ai_message("reject -----BEGIN PRIVATE KEY----- uploads", ["k.py"]), {"k.py": "k\n"})
    page = report(repo)
    assert page.rstrip().endswith("</html>") and "</script>" in page
    assert page.count('<tr data-release="') == 4
    found = structure(page)
    assert found.errors == [] and found.stack == []


def test_secret_like_text_is_redacted_in_its_field_and_never_eats_markup(repo: Repo) -> None:
    """``token=`` in a file name, ``api_key=`` ending a subject: the cells and the SVG stay whole."""
    repo.commit("Human: start", {"a.txt": "a\n"})
    repo.commit(ai_message("file", ["src/token=xyzw.py"], prompt="p2"), {"src/token=xyzw.py": "t\n"})
    repo.commit(ai_message("default api_key=abcdefghijkl", ["b.py"], prompt="prompt text"), {"b.py": "b\n"})
    page = report(repo)
    found = structure(page)
    assert found.errors == [] and found.stack == []
    assert [n for n in found.cells if n] == [6, 6]  # the head row has <th>s
    assert "abcdefghijkl" not in page and "<td>prompt text</td>" in page
    files = page.split('id="chart-files"', 1)[1].split("</svg>", 1)[0]
    assert files.count('<rect class="bar"') == 2 and ">src/token=*******<title>" in files


def test_stacked_ticks_are_whole_counts_drawn_where_they_are() -> None:
    """A tallest bar of 1 read "0, 0, 1"; of 3, a "2" stood at 1.5."""
    from ai_rollback import charts

    def ticks(peak: int) -> list[tuple[str, float]]:
        svg = charts.stacked_bars("c", "t", ["v1"], [{"m": peak}], ["m"])
        return [
            (v, float(y)) for y, v in re.findall(r'<text class="tick" x="[^"]+" y="([^"]+)"[^>]*>(\d+)<', svg)
        ]

    assert [v for v, _ in ticks(1)] == ["0", "1"]
    three = ticks(3)
    assert [v for v, _ in three] == ["0", "1", "3"]
    bottom, top = three[0][1], three[2][1]
    assert abs((bottom - three[1][1]) - (bottom - top) / 3) < 0.2


def test_with_200_releases_no_two_labels_stand_closer_than_the_step() -> None:
    """The last label was always drawn, 5 px from the one before it."""
    from ai_rollback import charts

    for count in (199, 200, 201):
        names = [f"v1.{n}.0" for n in range(count)]
        for svg in (
            charts.share_bars("c", "t", names, [0.5] * count),
            charts.stacked_bars("c", "t", names, [{"m": 1}] * count, ["m"]),
        ):
            xs = [float(x) for x in re.findall(r'<text class="label" x="([^"]+)"', svg)]
            gaps = [b - a for a, b in itertools.pairwise(xs)]
            assert min(gaps) >= 14 and names[-1] in svg and names[0] in svg


def test_a_range_after_releases_charts_only_its_own(repo: Repo) -> None:
    """``v1.0.9..HEAD`` drew v1.0.1 to v1.0.9 as 0% columns; ``--by release`` has only what is in it."""
    repo.commit("Human: start", {"a.txt": "a\n"})
    for n in range(1, 4):
        repo.commit(ai_message(f"c{n}", [f"f{n}.py"]), {f"f{n}.py": "x\n"})
        repo.git("tag", "-a", f"v1.0.{n}", "-m", "r")
    repo.commit(ai_message("after", ["z.py"]), {"z.py": "z\n"})
    page = report(repo, "v1.0.3..HEAD")
    svg = page.split('id="chart-commits"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'<rect class="bar" data-release="([^"]+)"', svg) == ["unreleased"]
    assert re.findall(r'<tr id="release-([^"]+)"', page) == ["unreleased"]
    json_report = json.loads(repo.tool("log", "v1.0.3..HEAD", "--by", "release", "--format", "json").stdout)
    assert [r["release"] for r in json_report["summary"]["releases"]] == ["unreleased"]


def test_a_chart_with_nothing_to_draw_is_a_sentence(repo: Repo) -> None:
    """An AI commit that changes nothing: no empty axes for lines, no empty boxes for files."""
    repo.commit("Human: start", {"a.txt": "a\n"})
    repo.git("tag", "-a", "v1.0.0", "-m", "r")
    repo.git(
        "commit", "-q", "--allow-empty", "-m", ai_message("nothing", ["x.py"]).replace("Files: x.py\n", "")
    )
    page = report(repo, "v1.0.0..HEAD")
    assert 'id="chart-commits"' in page and 'id="chart-models"' in page
    assert 'id="chart-lines"' not in page and 'id="no-lines-chart"' in page
    assert 'id="chart-files"' not in page and 'id="chart-directories"' not in page
    assert 'id="no-files-chart"' in page


def test_a_range_of_mixed_squashes_only_draws_no_zero_share(repo: Repo) -> None:
    """Only a mixed squash: its prompt in the table, no 0% commit chart, no empty file chart."""
    repo.commit("Human: start", {"a.txt": "a\n"})
    message = (
        "AI: Add the cache (#12)\n\n* AI: cache images\n\nGenerated-by: Claude Sonnet 4.5\n"
        "Prompt: cache the thumbnails\nFiles: cache.py\n\n* Human: my part\n\n---------\n\n"
        "Generated-by: Claude Sonnet 4.5\nPrompt: cache the thumbnails\nFiles: cache.py\n"
        "Squashed-commits: 2: 1a2b3c4d5e6f, 7a8b9c0d1e2f\n"
    )
    repo.commit(message, {"cache.py": "x\n", "human.py": "y\n"})
    page = report(repo)
    assert 'id="chart-commits"' not in page and "the mixed squash holds AI and human work" in page
    assert 'id="chart-files"' not in page and 'id="no-files-chart"' in page
    assert "<td>cache the thumbnails</td>" in page and "<code>cache.py</code>, <code>human.py</code>" in page


def test_rows_are_bounded_whatever_a_prompt_holds(repo: Repo) -> None:
    """The table's cap bounded rows, not their size: 5,000-character texts made a 10 MB page."""
    repo.commit("Human: start", {"a.txt": "a\n"})
    files = [f"src/{'/'.join(['d' * 100] * 3)}/f{n}.py" for n in range(30)]
    repo.commit(
        ai_message("s" * 5000, files, prompt="p" * 5000, model="m" * 500), dict.fromkeys(files, "x\n")
    )
    page = report(repo)
    row = page.split('<tr data-release="', 1)[1].split("</tr>", 1)[0]
    assert len(row) < 12_000 and "s" * 5000 not in page and "p" * 5000 not in page and "m" * 500 not in page
    assert "<td>AI: " + "s" * (html_module.TEXT_LIMIT - 5) + "…</td>" in row and "and 22 more" in row


def test_the_capped_note_gives_a_command_that_runs(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """``main ^v0.2.0`` was shown unquoted: typed as shown, a usage error."""
    history(repo, 3, ai_every=1)
    monkeypatch.setattr(html_module, "TABLE_LIMIT", 2)
    monkeypatch.chdir(repo.path)
    from ai_rollback.commands import log as command

    out_path = repo.path / "report.html"
    with open(out_path, "w", encoding="utf-8") as out:
        command.log("HEAD ^v0.2.0", "html", out=out)
    note = re.search(r'<p class="note" id="capped">.*?<code>(.*?)</code>', out_path.read_text()).group(1)
    import html
    import shlex

    words = shlex.split(html.unescape(note))
    assert words[:2] == ["ai-rollback", "log"] and words[2] == "HEAD ^v0.2.0"
    assert repo.tool(*words[1:], check=False).returncode == 0


def test_a_directory_or_glob_in_files_credits_the_files_it_covers(repo: Repo) -> None:
    """``Files: src/`` (``files-match = "cover"``): the files chart showed ``src/`` as a file."""
    repo.commit("Human: start", {"a.txt": "a\n"})
    repo.commit(ai_message("module", ["src/"]), {"src/one.py": "1\n2\n", "src/two.py": "1\n"})
    repo.commit(ai_message("app", ["*.py"]), {"app.py": "1\n"})
    files = report(repo).split('id="chart-files"', 1)[1].split("</svg>", 1)[0]
    assert sorted(re.findall(r"<title>([^<]+)</title></text>", files)) == [
        "app.py",
        "src/one.py",
        "src/two.py",
    ]


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


#: after load: what a click on an AI tag's link, then each search, leaves shown
PROBE_SEARCH = """<script>
window.addEventListener("load", function () {
  var out = {};
  function visible() {
    return Array.prototype.filter.call(document.querySelectorAll("#commit-table tbody tr"), function (r) {
      return !r.hidden; }).map(function (r) { return r.getAttribute("data-release"); });
  }
  document.querySelector('a.filter[data-release="v1.0.1"]').click();
  out.clicked = visible();
  var input = document.getElementById("search");
  (window.__searches || []).forEach(function (text) {
    input.value = text; input.dispatchEvent(new Event("input"));
    out[text] = visible().length;
  });
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def probe_search(repo: Repo, tmp_path: Path, searches: list[str]) -> dict[str, object]:
    import html

    page = report(repo)
    probed = tmp_path / "search.html"
    setup = f"<script>window.__searches = {json.dumps(searches)};</script>"
    probed.write_text(page.replace("</body>", setup + PROBE_SEARCH + "</body>", 1))
    done = chromium(f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", probed.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    result: dict[str, object] = json.loads(html.unescape(found.group(1)))
    return result


def releases_with_ai_tags(repo: Repo, count: int) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    repo.git("tag", "-a", "v1.0.0", "-m", "first")
    for n in range(1, count + 1):
        repo.commit(ai_message(f"change {n}", [f"f{n}.py"]), {f"f{n}.py": f"{n}\n"})
        repo.tool("tag", f"v1.0.{n}", "--slug", "x")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_in_chromium_an_ai_tag_link_shows_exactly_its_release(repo: Repo, tmp_path: Path) -> None:
    """The link searched the release's name as text: v1.0.1 showed v1.0.10 and v1.0.11 too."""
    releases_with_ai_tags(repo, 11)
    repo.commit(ai_message("prepare notes for v1.0.1 users", ["z.py"]), {"z.py": "z\n"})
    assert probe_search(repo, tmp_path, [])["clicked"] == ["v1.0.1"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_in_chromium_the_search_finds_a_whole_sha_and_every_file(repo: Repo, tmp_path: Path) -> None:
    """Only the row's text was searched: its 10-character sha and first 8 files."""
    releases_with_ai_tags(repo, 1)
    files = [f"file{n}.py" for n in range(10)]
    repo.commit(ai_message("ten files", files), dict.fromkeys(files, "x\n"))
    sha = repo.out("rev-parse", "HEAD").strip()
    result = probe_search(repo, tmp_path, [sha, sha[:12], sha[:10], "file9.py", "file8.py", "no-such-thing"])
    assert [result[k] for k in (sha, sha[:12], sha[:10], "file9.py", "file8.py", "no-such-thing")] == [
        1,
        1,
        1,
        1,
        1,
        0,
    ]


def test_a_squash_of_two_models_counts_for_each(repo: Repo) -> None:
    """The README's squash of Claude's and GPT-5's commits counted for Claude alone."""
    repo.commit("Human: start", {"a.py": "a\n"})
    message = (
        "AI: Add the cache (#12)\n\n"
        "* AI: cache images\n\nGenerated-by: Claude Sonnet 4.5\nPrompt: cache\nFiles: cache.py\n\n"
        "* AI: evict old entries\n\nGenerated-by: GPT-5\nPrompt: evict\nFiles: cache.py, evict.py\n\n"
        "---------\n\nGenerated-by: Claude Sonnet 4.5\nGenerated-by: GPT-5\n"
        "Prompt: 2 prompts, each in its squashed commit above\nFiles: cache.py, evict.py\n"
        "Squashed-commits: 2: 1a2b3c4d5e6f, 7a8b9c0d1e2f\n"
    )
    repo.commit(message, {"cache.py": "x\n", "evict.py": "y\n"})
    page = report(repo)
    models = page.split('id="chart-models"', 1)[1].split("</svg>", 1)[0]
    assert "the range: Claude Sonnet 4.5 1" in models and "the range: GPT-5 1" in models
    assert "<td>Claude Sonnet 4.5, GPT-5</td>" in page
    summary = json.loads(repo.tool("log", "--format", "json").stdout)["summary"]
    assert summary["models"] == {"Claude Sonnet 4.5": 1, "GPT-5": 1}


def test_every_text_of_the_page_is_redacted_not_only_the_commit_texts(repo: Repo) -> None:
    """Per-text redaction first covered subjects, prompts and models: paths, release and AI tag
    names and rollback records reached the page in clear (the page-wide pass had caught them)."""
    repo.commit("Human: start", {"a.py": "a\n"})
    path = "src/api_key=ABCDEFGHIJKLMN.py"
    repo.commit(ai_message("settings", [path]), {path: "s\n"})
    repo.git("tag", "-a", "v1.0.0", "-m", "release")
    repo.git("tag", "-a", "v1.0.0-ai-token=AITAGSECRET12345", "-m", "AI-Range: HEAD~1..HEAD")
    record = (
        "Emergency rollback from v1.0.0\n\nRolled-back: v1.0.0\n"
        "Returned-to: https://ops:RETURNEDPW999@example.com/x\nRolled-back-at: token=RECORDSECRET1234\n"
        "Via: rollback\nIncident: api_key=INCIDENTSECRET99\n"
    )
    repo.git("tag", "-a", "ai-rollback/rolled-back/v1.0.0/20260101T000000Z-abcd", "-m", record)
    repo.commit(ai_message("more", ["b.py"]), {"b.py": "b\n"})
    repo.git("tag", "v2.0.0-password=RELEASESECRET77")
    page = report(repo)
    assert 'id="chart-files"' in page and page.count('<tr id="release-') == 2
    for secret in (
        "ABCDEFGHIJKLMN",
        "AITAGSECRET12345",
        "RETURNEDPW999",
        "RECORDSECRET1234",
        "RELEASESECRET77",
    ):
        assert secret not in page
    assert "INCIDENTSECRET99" not in page
    found = structure(page)
    assert found.errors == [] and found.stack == []


def test_models_whose_names_cut_alike_keep_their_own_counts(repo: Repo) -> None:
    """Two 90-character names alike in their first 79 became one key: a count lost, a bar drawn
    above the chart."""
    repo.commit("Human: start", {"a.py": "a\n"})
    for n, tail in enumerate(("-beta", "-beta", "-alpha")):
        repo.commit(ai_message(f"c{n}", [f"f{n}.py"], model="m" * 90 + tail), {f"f{n}.py": "x\n"})
    chart = report(repo).split('id="chart-models"', 1)[1].split("</svg>", 1)[0]
    models = chart.split('<g class="stack"', 1)[1].split("</g>", 1)[0]  # the bar, not the legend
    heights = [
        float(h)
        for h in re.findall(r'<rect class="c\d" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', models)
    ]
    ys = [float(y) for y in re.findall(r'<rect class="c\d" x="[^"]+" y="([^"]+)"', models)]
    assert len(ys) == 2 and min(ys) >= 0 and abs(heights[0] - 2 * heights[1]) < 0.2
    assert re.findall(r'class="tick"[^>]*>(\d+)<', chart)[-1] == "3"


def test_a_model_called_other_models_keeps_its_count(repo: Repo) -> None:
    """With more than 7 models, a model named "other models" and the bucket shared a key."""
    repo.commit("Human: start", {"a.py": "a\n"})
    models = [f"model {n}" for n in range(8)] + ["other models"] * 3
    for n, model in enumerate(models):
        repo.commit(ai_message(f"c{n}", [f"f{n}.py"], model=model), {f"f{n}.py": "x\n"})
    chart = report(repo).split('id="chart-models"', 1)[1].split("</svg>", 1)[0]
    bar = chart.split('<g class="stack"', 1)[1].split("</g>", 1)[0]
    counts = [int(n) for n in re.findall(r"<title>the range: .*? (\d+)</title>", bar)]
    ys = [float(y) for y in re.findall(r' y="([^"]+)"', bar)]
    assert sum(counts) == len(models) and min(ys) >= 0


def test_a_rows_search_words_are_bounded(repo: Repo) -> None:
    """Every row carried up to 100 paths of 320 characters for the search: a 28 MB page."""
    repo.commit("Human: start", {"a.py": "a\n"})
    files = [f"src/{'/'.join(['d' * 60] * 4)}/f{n:03}.py" for n in range(100)]
    repo.commit(ai_message("many", files), dict.fromkeys(files, "x\n"))
    search = re.search(r'data-search="([^"]*)"', report(repo)).group(1)
    assert len(search) <= 41 + html_module.SEARCH_LIMIT and files[0] in search and files[-1] not in search
