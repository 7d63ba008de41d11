"""The bugs of issue 15, one test each (each failed before its fix)."""
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
