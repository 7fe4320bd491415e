"""What `lrviz --help` and a fast-path plot import: nothing heavy that they do not use."""

from __future__ import annotations

import subprocess
import sys

HELP = (
    "import io, contextlib, sys\n"
    "from lrviz.cli import main\n"
    "out = io.StringIO()\n"
    "with contextlib.redirect_stdout(out):\n"
    "    code = main({args!r})\n"
    "assert 'Usage' in out.getvalue(), code\n"
    "heavy = ('torch', 'matplotlib', 'numpy', 'markdown_it', 'pygments')\n"
    "print(' '.join(sorted(m for m in heavy if m in sys.modules)))\n"
)


def _imported(args: list[str]) -> str:
    result = subprocess.run([sys.executable, "-c", HELP.format(args=args)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_help_imports_no_torch_matplotlib_numpy_or_markdown() -> None:
    assert _imported(["--help"]) == ""
    assert _imported([]) == ""
    assert _imported(["plot", "--help"]) == ""


def test_deferred_rich_modules_still_work_for_their_users() -> None:
    code = (
        "import io, sys\n"
        "from lrviz.cli import _defer_help_extras\n"
        "_defer_help_extras()\n"
        "from rich.console import Console\n"
        "from rich.markdown import Heading, Markdown\n"
        "from rich.traceback import Traceback\n"
        "console = Console(file=io.StringIO(), width=40)\n"
        "console.print(Markdown('# Title\\n\\nsome **bold** text'))\n"
        "assert 'Title' in console.file.getvalue() and 'bold' in console.file.getvalue()\n"
        "assert isinstance(Markdown('x'), sys.modules['rich.markdown'].Markdown) or Heading\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    console.print(Traceback())\n"
        "assert 'ZeroDivisionError' in console.file.getvalue()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
