"""report.html in a real browser: headless Chromium opens it without console errors, without fetching
anything, draws its plots, runs the trial filter, and takes a screenshot (kept next to the report)."""

import json
import re
import shutil
import subprocess

import pytest

from harness.report import write_report
from harness.results import RunDir
from tests.conftest import _missing
from tests.fixtures.synthetic import base_outcome, synthesize, write_tasks

PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push('error: ' + e.message); });
var __consoleError = console.error;
console.error = function () {
  window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
  __consoleError.apply(console, arguments);
};
window.addEventListener('load', function () {
  var plots = Array.prototype.slice.call(document.querySelectorAll('svg.plot'));
  var drawn = plots.filter(function (s) {
    var r = s.getBoundingClientRect();
    return r.width > 100 && r.height > 20 && s.querySelectorAll('circle, rect, polyline').length > 0;
  });
  var status = document.getElementById('trial-status');
  status.value = 'failed';
  status.dispatchEvent(new Event('change'));
  var out = document.createElement('pre');
  out.id = '__probe';
  out.textContent = JSON.stringify({
    errors: window.__errors, plots: plots.length, drawn: drawn.length,
    resources: performance.getEntriesByType('resource').map(function (r) { return r.name; }),
    failedShown: document.getElementById('trial-count').textContent
  });
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    _missing("chromium (apt-get install chromium)")


def browse(binary: str, profile, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture()
def report(tmp_path):
    tasks = write_tasks(tmp_path / "tasks")
    root = synthesize(tmp_path / "runs", "browser", base_outcome, tasks_dir=tasks, files=True, infra=0.05, seed=4)
    run = RunDir.open(str(root), tmp_path)
    records = run.records()
    write_report(run.root, run.run_id, run.read_manifest(), records)
    failed = sum(r.status != "infra_error" and not r.passed for r in records)
    return run.root / "report.html", failed


def test_html_report_opens_without_errors_and_draws_its_plots(report, tmp_path):
    binary = chromium()
    page, failed = report
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("<head>", "<head>" + PROBE, 1))
    done = browse(binary, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<pre id="__probe">(.*?)</pre>', done.stdout, re.S)
    assert match, f"the page never finished loading: {done.stderr[-2000:]}"
    result = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["errors"] == [], result["errors"]
    assert not re.search(r"Uncaught|CONSOLE.*(Error|Failed to load)", done.stderr), done.stderr[-2000:]
    assert result["resources"] == [], "the report fetched something"
    assert result["plots"] >= 4 and result["drawn"] == result["plots"], result
    assert result["failedShown"] == str(failed), "the trial filter did not run"

    shot = page.with_name("report.png")
    done = browse(binary, tmp_path / "profile2", "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 60_000, "the screenshot looks blank"
