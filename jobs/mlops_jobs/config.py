"""Settings shared by the jobs: every setting is a command-line option whose default comes from an
environment variable (the CronJob/Workflow sets either), and a bad setting ends the job with exit
code 2 and one line naming it, never a stack trace."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

#: Exit code of a bad setting (argparse uses the same).
EXIT_CONFIG = 2
#: Exit code of a failure at run time (an unreachable store, a missing model version, ...).
EXIT_FAILURE = 1


class ConfigError(Exception):
    """A setting is missing or invalid; ``setting`` names it as the user writes it."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


class JobError(Exception):
    """A failure at run time that the job reports in one line (exit code 1)."""


@dataclass(frozen=True)
class Option:
    """One setting: ``--flag`` with its environment variable ``env``."""

    flag: str
    env: str
    help: str
    default: str | None = None
    required: bool = False

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def label(self) -> str:
        return f"{self.flag} ({self.env})"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CONFIG, f"{self.prog}: configuration error: {message}\n")


class Settings:
    """Parsed settings with typed accessors whose errors name the setting."""

    def __init__(self, options: Sequence[Option], values: dict[str, str | None]) -> None:
        self._options = {o.dest: o for o in options}
        self._values = values

    def label(self, dest: str) -> str:
        return self._options[dest].label

    def raw(self, dest: str) -> str | None:
        value = self._values.get(dest)
        return None if value is None or value == "" else value

    def required(self, dest: str) -> str:
        value = self.raw(dest)
        if value is None:
            raise ConfigError(self.label(dest), "required, not set")
        return value

    def optional(self, dest: str) -> str | None:
        return self.raw(dest)

    def number(self, dest: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
        return _float(self.label(dest), self.required(dest), minimum, maximum)

    def optional_number(
        self, dest: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        value = self.raw(dest)
        return None if value is None else _float(self.label(dest), value, minimum, maximum)

    def whole(self, dest: str, *, minimum: int) -> int:
        value = self.required(dest)
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(self.label(dest), f'"{value}" is not a whole number') from None
        if number < minimum:
            raise ConfigError(self.label(dest), f"{number} must be {minimum} or more")
        return number

    def choice(self, dest: str, choices: Sequence[str]) -> str:
        value = self.required(dest)
        if value not in choices:
            raise ConfigError(self.label(dest), f'"{value}" is not one of {", ".join(choices)}')
        return value

    def duration_seconds(self, dest: str) -> int:
        return duration_seconds(self.label(dest), self.required(dest))

    def labels(self, dest: str) -> list[str]:
        """A comma-separated list (empty entries dropped)."""
        value = self.raw(dest)
        return [] if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _float(label: str, value: str, minimum: float | None, maximum: float | None) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(label, f'"{value}" is not a number') from None
    if not math.isfinite(number):
        raise ConfigError(label, f'"{value}" is not a finite number')
    if minimum is not None and number < minimum:
        raise ConfigError(label, f"{value} must be {minimum} or more")
    if maximum is not None and number > maximum:
        raise ConfigError(label, f"{value} must be {maximum} or less")
    return number


_DURATION = re.compile(r"^([0-9]+)(s|m|h|d|w)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(label: str, value: str) -> int:
    """Seconds of a one-unit Prometheus duration (``30m``, ``6h``, ``1d``); ``label`` names it."""
    m = _DURATION.match(value)
    if not m or int(m.group(1)) == 0:
        raise ConfigError(label, f'"{value}" is not a duration like 30m, 6h or 1d')
    return int(m.group(1)) * _UNITS[m.group(2)]


def parse(prog: str, description: str, options: Sequence[Option], argv: Sequence[str] | None) -> Settings:
    """Parse ``argv``; a missing required setting (neither flag nor environment) is a ConfigError."""
    parser = _Parser(prog=prog, description=description)
    for o in options:
        default = os.environ.get(o.env, o.default)
        parser.add_argument(o.flag, dest=o.dest, default=default, help=f"{o.help} (env {o.env})")
    namespace = vars(parser.parse_args(argv))
    settings = Settings(options, namespace)
    for o in options:
        if o.required and settings.raw(o.dest) is None:
            raise ConfigError(o.label, "required, not set")
    return settings


def run(prog: str, job: Callable[[], int]) -> NoReturn:
    """Run ``job`` and exit with its code; settings and run-time errors become one line on stderr
    (exit 2 and 1). ``MLOPS_DEBUG=1`` lets the traceback through for debugging."""
    debug = os.environ.get("MLOPS_DEBUG") == "1"
    try:
        code = job()
    except ConfigError as e:
        if debug:
            raise
        print(f"{prog}: configuration error: {e}", file=sys.stderr)
        code = EXIT_CONFIG
    except JobError as e:
        if debug:
            raise
        print(f"{prog}: error: {e}", file=sys.stderr)
        code = EXIT_FAILURE
    except Exception as e:  # a one-line report instead of a traceback in the job's log
        if debug:
            raise
        print(f"{prog}: error: {type(e).__name__}: {e}", file=sys.stderr)
        code = EXIT_FAILURE
    exit_now(code)


def exit_now(code: int) -> NoReturn:
    """Exit with ``code`` once stdout and stderr are flushed, without the interpreter's
    finalisation. A job's results are written (files closed, metrics pushed, MLflow calls returned)
    before ``job`` returns; finalisation only tears down the native libraries' threads, and one of
    them (pyarrow's, with fsspec's filesystems loaded) sometimes aborts the process there —
    ``terminate called without an active exception``, exit -6 (SIGABRT) instead of the job's
    code: 1 run in 30 of a configuration error measured on Python 3.11 with the locked
    dependencies. Kubernetes would report a finished job as failed."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def write_decision(path: str | None, decision: dict[str, object]) -> None:
    """Print the decision as one JSON line on stdout and, if ``path`` is set, write it there too
    (an Argo output parameter)."""
    text = json.dumps(decision, sort_keys=True)
    print(text)
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n")
