"""The one exception the command line turns into ``fastnn: error: ...`` and exit status 2."""


class CLIError(Exception):
    """A problem with the user's arguments or files; the message says what and how to fix it."""
