from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def write_file(tmp_path):
    """Write ``content`` (str as UTF-8, or bytes as they are) to a file and return its path."""

    def write(name, content):
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


@pytest.fixture
def run_import_command():
    """Call an import command without its progress bar; return its (stdout, stderr)."""

    def run(*args):
        out, err = StringIO(), StringIO()
        call_command(*args, "--no-progress", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run
