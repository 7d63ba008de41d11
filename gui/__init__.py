"""fastnn desktop playground: TensorFlow Playground on the desktop, backed by fastnn.

Lives in ``gui/`` and installs as the package ``fastnn_gui`` (its one import name, used by the
tests too); start it with ``fastnn-gui`` or ``python -m fastnn_gui``.
"""
