"""fastnn desktop playground: TensorFlow Playground on the desktop, backed by fastnn.

Installed as the package ``fastnn_gui``; start it with ``fastnn-gui`` or ``python -m gui``.
Only relative imports are used inside this package so both names work.
"""
