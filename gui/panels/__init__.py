"""Control panels: widgets that edit settings and emit the edited values."""
