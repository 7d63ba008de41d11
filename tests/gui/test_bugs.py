"""The bugs of issue 15, one test each (each failed before its fix)."""
import re
from importlib import import_module

import pytest

import fastnn


def _app(gui_pkg):
    return import_module(gui_pkg.__name__ + ".app")


# -- bug 7: an unknown back end on the command line ------------------------------------------
def test_bug07_a_back_end_that_does_not_work_here_is_refused_before_any_window(gui_pkg, capsys):
    app_mod = _app(gui_pkg)
    assert app_mod.main(["foo"]) == 2
    err = capsys.readouterr().err
    available = fastnn.backends.available()
    assert "back end 'foo': there is no such back end; use one of " + ", ".join(available) in err
    for name, (ok, _) in fastnn.backends.status().items():
        if not ok:
            assert app_mod.main([name]) == 2
            assert f"back end '{name}': it is not available here" in capsys.readouterr().err
    with pytest.raises(ValueError, match="back end 'foo'"):
        app_mod.create_window("foo")
    assert app_mod.main(["--help"]) == 0
    usage = capsys.readouterr().out
    assert "available here: " + ", ".join(available) in " ".join(usage.split())


# -- bug 10: CSV errors on the wrong line, "1 data rows" -------------------------------------
@pytest.mark.parametrize("text, message", [
    ("x1,x2,label\n1,2,0\n3,oops,1\n4,5,0\n6,7,1\n", "line 3, column 2: 'oops' is not a number"),
    ("x1,x2,label\n\n1,2,0\n3,4\n4,5,0\n6,7,1\n", "line 4: 2 columns, expected 3 (as on line 3)"),
    ("1,2,0\n3,4,1\n5,6,0\n7,nan,1\n", "line 4 holds NaN or an infinite value"),
    ("x1,x2,label\n1,2,0\n", "has 1 data row; at least 4"),
])
def test_bug10_csv_errors_name_the_files_own_line(gui_pkg, tmp_path, text, message):
    load_csv = import_module(gui_pkg.__name__ + ".csv_data").load_csv
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_csv(path)
