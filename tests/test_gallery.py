"""The docs gallery: its plan covers the registry, every figure is what its printed command
draws, the output is the same byte for byte on every run, and --check names what drifted."""

from __future__ import annotations

import re
import shlex
import tempfile
from pathlib import Path

import pytest
from clirun import run, run_ok
from pinned import CONSTRAINTS, GALLERY, pins, requires_pinned

from lrviz import gallery as gal
from lrviz import registry
from lrviz.errors import LrvizError
from lrviz.gallery import shell
from lrviz.render import figure

COMMITTED = GALLERY
needs_committed = pytest.mark.skipif(not COMMITTED.is_dir(), reason="needs the repository's committed gallery/")

SMALL = """
[gallery]
title = "small"
intro = "Two figures."

[[section]]
id = "a"
title = "Section A"
text = "About A."

[[figure]]
id = "step"
section = "a"
note = "Drops at 3."
steps = 8
[[figure.schedule]]
spec = "StepLR(step_size=3, gamma=0.5)"

[[figure]]
id = "pair"
section = "a"
caption = "Two cosines"
note = "Different periods."
steps = 12
layout = "grid"
[[figure.schedule]]
spec = "CosineAnnealingLR(T_max=4)"
label = "short"
[[figure.schedule]]
spec = "CosineAnnealingLR(T_max=12)"
"""

OLD_FIGURE = """
[[figure]]
id = "old"
section = "a"
note = "A figure a later version of the gallery file no longer has."
steps = 8
[[figure.schedule]]
spec = "ExponentialLR(gamma=0.5)"
"""


@pytest.fixture()
def small(tmp_path):
    source = tmp_path / "small.toml"
    source.write_text(SMALL, encoding="utf-8")
    return source


@pytest.fixture(scope="module")
def plan():
    return gal.load()


# --------------------------------------------------------------------------------------
# The plan: lrviz's own gallery file


@pytest.mark.parametrize("entry", registry.entries(), ids=lambda e: e.name)
def test_every_registry_schedule_has_a_figure_of_its_own(plan, entry):
    alone = [f for f in plan.figures if f.shows == entry.name]
    assert alone, f"no gallery figure shows {entry.name} alone"


def test_the_issue_s_figures_are_there(plan):
    ids = {f.id for f in plan.figures}
    for fid in ("cycliclr-modes", "warmups", "cosine-family", "sequential-vs-chained", "cycliclr-triangular2-adam"):
        assert fid in ids
    modes = next(f for f in plan.figures if f.id == "cycliclr-modes")
    assert sorted(r.spec.args["mode"] for r in modes.config.runs) == ["exp_range", "triangular", "triangular2"]
    adam = next(f for f in plan.figures if f.id == "cycliclr-triangular2-adam")
    assert adam.config.trace.optimizer == "adam" and adam.config.trace.steps_per_epoch
    plateau = [f for f in plan.drawable if f.config.runs[0].spec.entry.needs_metric]
    assert plateau and all(f.config.trace.metric for f in plateau)
    sv = next(f for f in plan.figures if f.id == "sequential-vs-chained")
    seq, chained = (r.spec for r in sv.config.runs)
    assert seq.args["schedulers"] == chained.args["schedulers"]  # the same children


def test_every_figure_has_a_caption_a_note_and_a_known_section(plan):
    sections = {s.id for s in plan.sections}
    for fig in plan.figures:
        assert fig.caption and fig.note.endswith("."), fig.id
        assert fig.section in sections
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", fig.id)


def test_figure_ids_are_unique(plan):
    ids = [f.id for f in plan.figures]
    assert len(ids) == len(set(ids))


def test_a_new_registry_entry_gets_a_figure_with_no_edit(monkeypatch):
    entries = registry.entries()
    step = next(e for e in entries if e.name == "StepLR")
    from dataclasses import replace

    twin = replace(step, name="StepLRTwin", family="newfamily", example="StepLR(step_size=5)")
    monkeypatch.setattr(registry, "entries", lambda: [*entries, twin])
    plan = gal.load()
    auto = [f for f in plan.figures if f.auto]
    assert [f.id for f in auto] == ["steplrtwin"]
    assert auto[0].section == "newfamily" and any(s.id == "newfamily" for s in plan.sections)


# --------------------------------------------------------------------------------------
# Each figure is exactly what its command draws


def _committed_figures() -> list[gal.Figure]:
    return [f for f in gal.load().figures if f.missing_extra is None]


@pytest.mark.slow
@requires_pinned
@pytest.mark.parametrize("fig", _committed_figures(), ids=lambda f: f.id)
def test_the_printed_command_draws_the_committed_svg(fig, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = shlex.split(fig.command())
    assert args[0] == "lrviz" and args[-2:] == ["-o", f"{fig.id}.svg"]
    run_ok(capsys, *args[1:])
    drawn = (tmp_path / f"{fig.id}.svg").read_bytes()
    committed = COMMITTED / f"{fig.id}.svg"
    assert committed.is_file(), f"{committed} is missing: run 'lrviz gallery'"
    assert drawn == committed.read_bytes(), f"{fig.id}: the command draws another SVG than gallery/ holds"


def test_commands_quote_for_the_shell():
    assert shell.quote("plain") == "plain"
    assert shell.quote("StepLR(step_size=3)") == '"StepLR(step_size=3)"'
    assert shell.quote("mode='x'") == "\"mode='x'\""
    text = 'say "$HOME"'
    assert shlex.split(shell.quote(text)) == [text]


def test_labels_in_a_command_keep_their_places(small):
    plan = gal.load(small)
    pair = next(f for f in plan.figures if f.id == "pair")
    args = shlex.split(pair.command())
    assert args[args.index("--label") + 1] == "short"
    assert args.count("--label") == 1  # only up to the last label given
    assert "--layout" in args and args[args.index("--layout") + 1] == "grid"


# --------------------------------------------------------------------------------------
# Determinism


def test_rendering_twice_gives_the_same_bytes(small):
    plan = gal.load(small)
    first = gal.render(plan).files
    # matplotlib's global state touched in between must not matter
    import matplotlib

    with matplotlib.rc_context({"lines.linewidth": 5, "svg.hashsalt": None}):
        second = gal.render(plan).files
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


@pytest.mark.slow
def test_figures_drawn_in_parallel_are_the_figures_drawn_one_by_one(small):
    plan = gal.load(small)
    seen = []
    parallel = gal.render(plan, seen.append, jobs=2)
    assert [fig.id for fig in seen] == [fig.id for fig in plan.drawable]  # progress in order
    assert parallel.files == gal.render(plan, jobs=1).files


def _errors_in_one_and_two_processes(plan):
    errors = []
    for jobs in (1, 2):
        with pytest.raises(LrvizError) as caught:
            gal.render(plan, jobs=jobs)
        errors.append((caught.value.message, caught.value.hint))
    return errors


def test_a_figure_failing_in_a_worker_is_the_error_it_is_in_one_process(tmp_path):
    source = tmp_path / "failing.toml"
    failing = "".join(
        f"""
[[figure]]
id = "{name}"
section = "a"
steps = 20_000_001
[[figure.schedule]]
spec = "StepLR(step_size=3)"
"""
        for name in ("fails", "fails-too")
    )
    head = SMALL.split("[[figure]]")[0]  # the sections, no figure that draws
    source.write_text(head + failing, encoding="utf-8")
    plan = gal.load(source)
    errors = _errors_in_one_and_two_processes(plan)
    assert errors[0] == errors[1]
    assert "gallery figure 'fails'" in errors[0][0]


MIXED = """
[[figure]]
id = "plateau"
section = "a"
steps = 30
[[figure.schedule]]
spec = "ReduceLROnPlateau(patience=2)"

[[figure]]
id = "chained"
section = "a"
steps = 20
[[figure.schedule]]
spec = "ChainedScheduler([ExponentialLR(gamma=0.9), MultiplicativeLR(lr_lambda=lambda e: 0.95)])"

[[figure]]
id = "cosine"
section = "a"
steps = 20
[[figure.schedule]]
spec = "CosineAnnealingLR(T_max=10)"
"""


@pytest.fixture
def mixed(tmp_path):
    """Figures computed by lrviz.fast_path and figures that step torch, interleaved."""
    source = tmp_path / "mixed.toml"
    source.write_text(SMALL + MIXED, encoding="utf-8")
    return gal.load(source)


@pytest.mark.slow
def test_figures_that_step_torch_drawn_in_parallel_are_the_figures_drawn_one_by_one(mixed):
    heavy = [gal.steps_torch(fig) for fig in mixed.drawable]
    assert any(heavy) and not all(heavy), heavy  # both kinds, so both kinds of process draw
    assert all(gal.steps_torch(fig, exact=True) for fig in mixed.drawable)
    seen = []
    parallel = gal.render(mixed, seen.append, jobs=2)
    assert [fig.id for fig in seen] == [fig.id for fig in mixed.drawable]
    assert parallel.files == gal.render(mixed, jobs=1).files
    assert gal.render(mixed, jobs=3, exact=True).files == parallel.files


def test_a_figure_failing_where_it_is_traced_first_is_the_error_it_is_in_one_process(tmp_path):
    source = tmp_path / "failing.toml"
    head = SMALL.split("[[figure]]")[0]
    source.write_text(head + MIXED.replace("steps = 30", "steps = 20_000_001"), encoding="utf-8")
    plan = gal.load(source)
    assert gal.steps_torch(plan.drawable[0])  # traced by this process before the others are forked
    errors = _errors_in_one_and_two_processes(plan)
    assert errors[0] == errors[1]
    assert "gallery figure 'plateau'" in errors[0][0]


def test_a_drawing_process_that_is_killed_is_reported_not_waited_for(small, monkeypatch):
    import multiprocessing
    import os
    import signal

    def killed(fig, traces):
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel ends a process out of memory

    monkeypatch.setattr(gal, "figure_bytes", killed)  # the forked processes inherit it
    plan = gal.load(small)
    with pytest.raises(LrvizError) as caught:
        gal.render(plan, jobs=2)
    assert caught.value.message == f"a process drawing the gallery was killed by signal {int(signal.SIGKILL)}"
    assert not multiprocessing.active_children()


def test_svgs_carry_no_date_and_thumbnails_have_a_fixed_width(small):
    out = gal.render(gal.load(small))
    for name, data in out.files.items():
        if name.endswith(".svg"):
            text = data.decode()
            assert "<dc:date>" not in text
        if name.endswith(".png"):
            assert gal.png_size(data)[0] == gal.THUMB_WIDTH


# --------------------------------------------------------------------------------------
# The pages


def test_readme_grid_names_image_title_command_and_note(small):
    plan = gal.load(small)
    text = gal.render(plan).files["README.md"].decode()
    for fig in plan.figures:
        assert f'<a href="{fig.id}.svg"><img src="thumbs/{fig.id}.png"' in text
        assert f"<b>{fig.caption}</b>" in text and fig.note in text
        assert f"<pre>{fig.command()}</pre>".replace('"', "&quot;").replace("'", "&#x27;") in text
    assert "## Section A" in text and "(#section-a)" in text


def test_index_html_is_self_contained(small):
    out = gal.render(gal.load(small))
    text = out.files["index.html"].decode()
    assert '<meta name="viewport"' in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "the page must not load anything remote"
    assert "@import" not in text and "url(" not in text
    for src in re.findall(r'(?:src|href)="((?!data:)[^"#]+)"', text):
        assert src in out.files, f"{src} is referenced but not generated"


def test_skipped_figures_are_named_on_both_pages(small):
    plan = gal.load(small)
    from dataclasses import replace

    figures = tuple(replace(f, config=None, missing_extra="x") if f.id == "pair" else f for f in plan.figures)
    out = gal.render(replace(plan, figures=figures))
    assert "pair.svg" not in out.files and "step.svg" in out.files
    assert "1 figure skipped (x)" in out.files["README.md"].decode()
    assert "1 figure skipped (x)" in out.files["index.html"].decode()


# --------------------------------------------------------------------------------------
# The command: generating, checking, refusing


def test_generate_then_check_passes(small, tmp_path, capsys):
    folder = tmp_path / "g"
    out, err = run_ok(capsys, "gallery", str(folder), "--from", str(small))
    assert out.strip() == str(folder / "index.html")
    assert "2 figures" in err and "7 files written" in err
    written = ["README.md", "index.html", "pair.svg", "step.svg", "thumbs/pair.png", "thumbs/step.png"]
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == sorted(
        [*written, gal.MANIFEST]
    )
    # the manifest names every file the gallery wrote: the only ones a later run may replace or remove
    listed = (folder / gal.MANIFEST).read_text(encoding="utf-8").splitlines()
    assert [line for line in listed if not line.startswith("#")] == written
    assert gal.owned_files(folder) == {*written, gal.MANIFEST}
    _, err = run_ok(capsys, "gallery", str(folder), "--check", "--from", str(small))
    assert "up to date" in err
    _, err = run_ok(capsys, "gallery", str(folder), "--from", str(small))
    assert "0 files written, 7 unchanged" in err


def test_check_catches_a_changed_default(small, tmp_path, capsys, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    folder = tmp_path / "g"
    run_ok(capsys, "gallery", str(folder), "--from", str(small))
    monkeypatch.setattr(figure, "DEFAULT_WIDTH", figure.DEFAULT_WIDTH + 1)  # a default changes in lrviz
    code, out, err = run(capsys, "gallery", str(folder), "--check", "--from", str(small))
    assert code == 1 and out == ""
    assert f"lrviz: gallery: stale: {folder / 'step.svg'}" in err
    assert f"stale: {folder / 'thumbs' / 'step.png'}" in err
    assert f"stale: {folder / 'index.html'}" in err  # the thumbnail's height is on the page
    assert "pair.svg" not in err  # a grid's width does not follow DEFAULT_WIDTH
    last = err.strip().splitlines()[-1]
    assert last.startswith("lrviz: error: the gallery in") and "(3 stale)" in last and "lrviz gallery" in last
    assert "add --keep DIR" in last
    assert list(temp.iterdir()) == [], "a failed check left files behind"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g", "small.toml", "temp"]
    # asked to keep them: the fresh files go where the user says, and nowhere else
    fresh = tmp_path / "fresh"
    code, _, err = run(capsys, "gallery", str(folder), "--check", "--from", str(small), "--keep", str(fresh))
    assert code == 1 and f"the fresh files are in {fresh}" in err.strip().splitlines()[-1]
    assert (fresh / "step.svg").read_bytes() != (folder / "step.svg").read_bytes()
    assert (fresh / "pair.svg").read_bytes() == (folder / "pair.svg").read_bytes()
    assert list(temp.iterdir()) == []


def test_keep_refuses_a_folder_of_someone_else_s_and_needs_check(small, tmp_path, capsys):
    folder = tmp_path / "g"
    run_ok(capsys, "gallery", str(folder), "--from", str(small))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    code, _, err = run(capsys, "gallery", str(folder), "--check", "--from", str(small), "--keep", str(mine))
    assert code == 2 and "holds files but no lrviz gallery" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    code, _, err = run(capsys, "gallery", str(folder), "--from", str(small), "--keep", str(tmp_path / "x"))
    assert code == 2 and "--keep DIR goes with --check" in err
    assert not (tmp_path / "x").exists()


def test_check_catches_edits_missing_and_extra_files(small, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / "g"
    small.write_text(SMALL + OLD_FIGURE, encoding="utf-8")
    run_ok(capsys, "gallery", str(folder), "--from", str(small))  # a gallery that had a figure 'old'
    small.write_text(SMALL.replace("Drops at 3.", "Drops at step 3."), encoding="utf-8")
    (folder / "pair.svg").unlink()
    (folder / "thumbs" / "old.png").unlink()
    (folder / "mine.svg").write_text("<svg/>")  # not the gallery's: neither extra nor removed
    code, _, err = run(capsys, "gallery", str(folder), "--check", "--from", str(small))
    assert code == 1
    assert f"stale: {folder / 'README.md'}" in err and f"stale: {folder / 'index.html'}" in err
    assert f"stale: {folder / gal.MANIFEST}" in err
    assert f"missing: {folder / 'pair.svg'}" in err and f"extra: {folder / 'old.svg'}" in err
    assert "mine.svg" not in err
    assert "3 stale, 1 missing, 1 extra" in err


def test_regenerating_removes_what_no_figure_makes_and_nothing_else(small, tmp_path, capsys):
    folder = tmp_path / "g"
    small.write_text(SMALL + OLD_FIGURE, encoding="utf-8")
    run_ok(capsys, "gallery", str(folder), "--from", str(small))
    small.write_text(SMALL, encoding="utf-8")
    (folder / "notes.txt").write_text("mine")
    (folder / "my-diagram.svg").write_text("<svg/>")
    (folder / "thumbs" / "mine.png").write_bytes(b"png")
    _, err = run_ok(capsys, "gallery", str(folder), "--from", str(small))
    assert "2 removed" in err
    assert not (folder / "old.svg").exists() and not (folder / "thumbs" / "old.png").exists()
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "my-diagram.svg").read_text() == "<svg/>" and (folder / "thumbs" / "mine.png").exists()


def _restamp(folder: Path, dist: str, version: str) -> None:
    """Make the gallery in ``folder`` say it was made with another version of ``dist``."""
    here = gal.versions()[dist]
    for name in gal.PAGES:
        page = folder / name
        text = page.read_text(encoding="utf-8")
        assert f"{dist} {here}" in text
        page.write_text(text.replace(f"{dist} {here}", f"{dist} {version}"), encoding="utf-8")


def test_a_new_release_that_draws_the_same_figures_leaves_the_gallery_up_to_date(small, tmp_path, capsys):
    folder = tmp_path / "g"
    run_ok(capsys, "gallery", str(folder), "--from", str(small))
    _restamp(folder, "matplotlib", "0.1")  # as if drawn by an older matplotlib: same figures
    _, err = run_ok(capsys, "gallery", str(folder), "--check", "--from", str(small))
    assert "up to date" in err
    assert gal.recorded_versions(folder)["matplotlib"] == "0.1"
    # regenerating rewrites nothing: the figures were made with matplotlib 0.1 and still are
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    _, err = run_ok(capsys, "gallery", str(folder), "--from", str(small))
    assert "0 files written, 7 unchanged" in err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_a_changed_figure_names_itself_and_the_versions_that_differ(small, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "g"
    run_ok(capsys, "gallery", str(folder), "--from", str(small))
    _restamp(folder, "matplotlib", "0.1")
    (folder / "step.svg").write_bytes(b"<svg/>")  # what another matplotlib would draw differently
    code, _, err = run(capsys, "gallery", str(folder), "--check", "--from", str(small))
    assert code == 1 and f"stale: {folder / 'step.svg'}" in err
    assert "README.md" not in err and "index.html" not in err  # only the stamp differs there
    assert "it was made with matplotlib 0.1 (here " in err
    # regenerating redraws the figure and the stamp now names the versions here
    _, err = run_ok(capsys, "gallery", str(folder), "--from", str(small))
    assert "3 files written" in err  # step.svg and the two pages
    assert gal.recorded_versions(folder)["matplotlib"] == gal.versions()["matplotlib"]


def test_the_stamp_is_read_from_both_pages_forms(small):
    out = gal.render(gal.load(small))
    for name in gal.PAGES:
        text = out.files[name].decode()
        assert gal._unstamped(text.encode()) != text.encode()
        assert b"Made with (versions). " in gal._unstamped(text.encode())
        for dist, version in out.versions.items():
            assert f"{dist} {version}" in text


def test_refuses_a_folder_it_did_not_make(small, tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "mine.md").write_text("keep")
    code, _, err = run(capsys, "gallery", str(folder), "--from", str(small))
    assert code == 2 and "holds files but no lrviz gallery" in err
    assert [p.name for p in folder.iterdir()] == ["mine.md"]
    file = tmp_path / "afile"
    file.write_text("x")
    code, _, err = run(capsys, "gallery", str(file), "--from", str(small))
    assert code == 2 and "is a file" in err
    code, _, err = run(capsys, "gallery", str(tmp_path / "none"), "--check", "--from", str(small))
    assert code == 2 and "there is no gallery" in err


def test_no_progress_bar_when_stderr_is_not_a_terminal(small, tmp_path, capsys):
    _, err = run_ok(capsys, "gallery", str(tmp_path / "g"), "--from", str(small))
    assert err.count("\n") == 1 and "━" not in err


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('id = "step"', 'id = "Step Figure"'), "needs id"),
        (('note = "Drops at 3."', 'notes = "Drops at 3."'), "unknown key 'figure[1].notes'; did you mean 'note'"),
        (('section = "a"\nnote = "Drops', 'section = "b"\nnote = "Drops'), "unknown section 'b'"),
        (('id = "pair"', 'id = "step"'), "two figures have the id 'step'"),
        (('label = "short"', 'label = "short"\nsteps = 3'), "has its own trace options"),
        (("steps = 8", 'steps = "eight"'), "steps must be a whole number"),
        (('spec = "StepLR(step_size=3, gamma=0.5)"', 'spec = "StepLR(step_size=3, gama=0.5)"'), "gama"),
        (("[gallery]", "[galery]"), "unknown key 'galery'"),
        # a key is named by its path in the file, as in a config file
        (("steps = 8", 'steps = "eight"'), "small.toml: figure[1].steps must be a whole number, got 'eight'"),
        (('label = "short"', 'label = "short"\nfoo = 1'), "unknown key 'figure[2].schedule[1].foo'"),
        (
            ('spec = "CosineAnnealingLR(T_max=4)"', 'name = "cosineannealinglr"\nargs = 4'),
            "figure[2].schedule[1].args must be a table, got 4; write it as [figure.schedule.args]",
        ),
        (('spec = "StepLR(step_size=3, gamma=0.5)"', "spec = 3"), "figure[1].schedule[1].spec must be a string"),
    ],
)
def test_bad_gallery_files_are_one_line_errors(small, tmp_path, capsys, edit, message):
    small.write_text(SMALL.replace(*edit), encoding="utf-8")
    code, out, err = run(capsys, "gallery", str(tmp_path / "g"), "--from", str(small))
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and err.startswith("lrviz: error: small.toml")
    assert not (tmp_path / "g").exists()


def test_a_figure_that_fails_to_trace_is_named(small, tmp_path, capsys):
    small.write_text(SMALL.replace("StepLR(step_size=3, gamma=0.5)", "StepLR(step_size=0)"), encoding="utf-8")
    code, _, err = run(capsys, "gallery", str(tmp_path / "g"), "--from", str(small))
    assert code == 2 and "gallery figure 'step'" in err and err.count("\n") == 1


def test_a_missing_gallery_file_is_an_error(tmp_path, capsys):
    code, _, err = run(capsys, "gallery", str(tmp_path / "g"), "--from", str(tmp_path / "nope.toml"))
    assert code == 2 and "does not exist" in err


@needs_committed
def test_the_committed_gallery_was_made_from_the_packaged_file():
    text = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert "from lrviz/gallery/gallery.toml" in text
    assert gal.is_gallery(COMMITTED)


def test_errors_from_load_are_lrviz_errors():
    with pytest.raises(LrvizError, match="declares no figure"):
        gal.from_data({"gallery": {"title": "x"}})


def test_svg_clip_ids_do_not_depend_on_memory_addresses():
    a = b'<clipPath id="p0123456789"/><g clip-path="url(#p0123456789)"/><g clip-path="url(#paaaaaaaaaa)"/>'
    a += b'<clipPath id="paaaaaaaaaa"/>'
    b = a.replace(b"p0123456789", b"pfedcba9876").replace(b"paaaaaaaaaa", b"p5555555555")
    assert figure._stable_clip_ids(a) == figure._stable_clip_ids(b)
    assert figure._stable_clip_ids(a).count(b"clip1") == 2 and figure._stable_clip_ids(a).count(b"clip2") == 2


@needs_committed
def test_the_pinned_versions_are_those_the_committed_gallery_was_made_with():
    pinned = pins()
    recorded = gal.recorded_versions(COMMITTED)
    assert set(recorded) <= set(pinned), f"{CONSTRAINTS.name} pins no version of {set(recorded) - set(pinned)}"
    for dist, version in recorded.items():
        assert version.split("+")[0] == pinned[dist], dist
    assert "numpy" in pinned  # the figures' bytes depend on it too, though the stamp does not name it


def test_without_transformers_its_figures_are_skipped_with_a_note(small, tmp_path, capsys, monkeypatch):
    from lrviz.families import transformers_source

    monkeypatch.setattr(transformers_source, "installed", lambda: False)
    text = (
        SMALL
        + """
[[figure]]
id = "hf"
section = "a"
note = "Needs transformers."
[[figure.schedule]]
spec = "cosine(num_warmup_steps=10, num_training_steps=100)"

[[figure]]
id = "hf-nested"
section = "a"
note = "A transformers schedule among others."
[[figure.schedule]]
name = "linear"
[[figure.schedule]]
spec = "StepLR(step_size=3)"
"""
    )
    small.write_text(text.replace("[gallery]", "[gallery]\nevery_schedule = true"), encoding="utf-8")
    plan = gal.load(small)
    skipped = {f.id for f in plan.skipped}
    assert {"hf", "hf-nested"} <= skipped
    hf_names = {e.name for e in registry.entries() if e.family == "transformers"}
    assert {f.shows for f in plan.skipped if f.auto} == hf_names - {"cosine"}  # 'hf' shows cosine alone
    small.write_text(text, encoding="utf-8")  # drawn without the registry's own figures: quicker
    folder = tmp_path / "g"
    out, err = run_ok(capsys, "gallery", str(folder), "--from", str(small))
    assert "lrviz: warning: gallery:" in err and "skipped" in err and "'transformers>=4.40'" in err
    assert not (folder / "hf.svg").exists() and (folder / "step.svg").exists()
    assert "skipped" in (folder / "README.md").read_text() and "skipped" in (folder / "index.html").read_text()
