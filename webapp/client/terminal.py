"""Passwords from a person or a script, never from the command line (where `ps` and shell history would show them).

On a terminal: a hidden prompt (`getpass`), and a new password typed twice. Piped: one line of standard input per
password asked for, so `printf '%s\\n' "$PASSWORD" | weather-client forecast --user …` works in scripts.
"""

from __future__ import annotations

import getpass
from typing import TextIO

from webapp.client.errors import UsageError


class Terminal:
    """Where `webapp.client.password` asks for passwords: the process's standard input and error."""

    def __init__(self, stdin: TextIO, stderr: TextIO):
        self.stdin = stdin
        self.stderr = stderr

    def password(self, prompt: str) -> str:
        if self.stdin.isatty():
            return non_empty(self.hidden(prompt))
        return non_empty(self.stdin.readline().rstrip("\r\n"))

    def new_password(self, prompt: str) -> str:
        if not self.stdin.isatty():
            return non_empty(self.stdin.readline().rstrip("\r\n"), "No new password on standard input.")
        first = non_empty(self.hidden(prompt))
        if self.hidden("Type the new password again: ") != first:
            raise UsageError("The two new passwords differ.")
        return first

    def hidden(self, prompt: str) -> str:
        try:
            return getpass.getpass(prompt, stream=self.stderr)
        except EOFError:  # Ctrl-D at the prompt: end its line, then it counts as no password
            print(file=self.stderr)
            return ""

    def notice(self, message: str) -> None:
        print(message, file=self.stderr)


def non_empty(password: str, message: str = "No password given.") -> str:
    if not password:
        raise UsageError(message)
    return password
