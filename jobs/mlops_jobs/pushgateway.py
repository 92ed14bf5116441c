"""The Pushgateway push contract of components/monitoring/pushgateway.ts, in Python.

The contract (metric names, HELP texts, labels, the jobs' grouping keys and HTTP methods) is not
restated here: it is loaded from ``contract.generated.json``, which ``npm run docs`` generates from
the TypeScript source (``pushContractDocument``) and ``npm run docs:check`` keeps current. The
functions below mirror ``renderPushedMetrics``, ``pushgatewayPath`` and ``pushRequest`` rule for
rule and message for message; jobs/tests/test_push_contract.py replays the document's worked
examples to prove both sides produce the same bytes.
"""

from __future__ import annotations

import base64
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .config import JobError

__all__ = [
    "Contract",
    "JobError",
    "JobSpec",
    "MetricSpec",
    "PushContractError",
    "PushRequest",
    "Sample",
    "contract",
    "format_number",
    "job_request",
    "push",
    "push_request",
    "pushgateway_path",
    "render_pushed_metrics",
]

CONTRACT_FILE = "contract.generated.json"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    help: str
    type: str
    required_labels: tuple[str, ...]
    optional_labels: tuple[str, ...]


@dataclass(frozen=True)
class JobSpec:
    job: str
    grouping_labels: tuple[str, ...]
    method: str
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    content_type: str
    #: In the order bodies list them.
    metrics: dict[str, MetricSpec]
    jobs: dict[str, JobSpec]
    examples: list[dict[str, Any]] = field(default_factory=list)


@cache
def contract() -> Contract:
    """The contract shipped with the package (generated from the TypeScript source)."""
    text = resources.files(__package__).joinpath(CONTRACT_FILE).read_text(encoding="utf-8")
    doc = json.loads(text)
    return Contract(
        content_type=doc["contentType"],
        metrics={
            m["name"]: MetricSpec(
                m["name"], m["help"], m["type"], tuple(m["requiredLabels"]), tuple(m["optionalLabels"])
            )
            for m in doc["metrics"]
        },
        jobs={
            key: JobSpec(j["job"], tuple(j["groupingLabels"]), j["method"], tuple(j["metrics"]))
            for key, j in doc["jobs"].items()
        },
        examples=doc["examples"],
    )


@dataclass(frozen=True)
class Sample:
    """One gauge sample: a metric of the contract, its labels, a finite value >= 0."""

    metric: str
    labels: dict[str, str]
    value: float


class PushContractError(Exception):
    """A push breaks the contract; ``problems`` has one line per problem (all are reported)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid Pushgateway push:\n  " + "\n  ".join(problems))
        self.problems = problems


def format_number(value: float) -> str:
    """``value`` as JavaScript's ``String(number)`` writes it (ECMAScript Number::toString): the
    shortest digits that round-trip (Python's ``repr`` finds the same digits), plain notation for
    decimal exponents from -6 to 20, else ``d.ddde±n``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value < 0:
        return "-" + format_number(-value)
    mantissa, _, exp = repr(float(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: position of the decimal point relative to the first significant digit.
    n = len(whole) + (int(exp) if exp else 0)
    if whole == "0":
        n = -(len(frac) - len(frac.lstrip("0"))) + (int(exp) if exp else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{head}e{sign}{abs(e)}"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label_value(value: str) -> str:
    return _escape_help(value).replace('"', '\\"')


def _sample_problems(sample: Sample, at: str) -> list[str]:
    c = contract()
    spec = c.metrics.get(sample.metric)
    if spec is None:
        known = ", ".join(c.metrics)
        return [f'{at}.metric: "{sample.metric}" is not a pushed metric (one of {known})']
    problems: list[str] = []
    allowed = [*spec.required_labels, *spec.optional_labels]
    for name in spec.required_labels:
        if sample.labels.get(name, "") == "":
            problems.append(f"{at}.labels.{name}: required by {sample.metric} (non-empty)")
    for name, value in sample.labels.items():
        if name not in allowed:
            problems.append(f"{at}.labels.{name}: not a label of {sample.metric} ({', '.join(allowed)})")
        elif value == "" and name in spec.optional_labels:
            problems.append(f"{at}.labels.{name}: empty; omit the label instead (an empty value is no label)")
    if not (math.isfinite(sample.value) and sample.value >= 0):
        problems.append(f"{at}.value: {format_number(sample.value)} must be a finite number >= 0")
    return problems


def _series_key(metric: str, labels: dict[str, str]) -> str:
    spec = contract().metrics[metric]
    pairs = [
        f'{name}="{_escape_label_value(labels[name])}"'
        for name in (*spec.required_labels, *spec.optional_labels)
        if name in labels
    ]
    return f"{metric}{{{','.join(pairs)}}}" if pairs else metric


def render_pushed_metrics(samples: list[Sample]) -> str:
    """The text-format (0.0.4) body: one HELP/TYPE block per metric in contract order, samples in
    the given order, labels in the spec's order, no timestamps, a final newline."""
    problems = [p for i, s in enumerate(samples) for p in _sample_problems(s, f"samples[{i}]")]
    if problems:
        raise PushContractError(problems)
    seen: dict[str, int] = {}
    for i, s in enumerate(samples):
        key = _series_key(s.metric, s.labels)
        if key in seen:
            problems.append(f"samples[{i}]: duplicate series {key} (also samples[{seen[key]}])")
        else:
            seen[key] = i
    if problems:
        raise PushContractError(problems)
    lines: list[str] = []
    for metric, spec in contract().metrics.items():
        of_metric = [s for s in samples if s.metric == metric]
        if not of_metric:
            continue
        lines += [f"# HELP {metric} {_escape_help(spec.help)}", f"# TYPE {metric} {spec.type}"]
        lines += [f"{_series_key(metric, s.labels)} {format_number(s.value)}" for s in of_metric]
    return "\n".join(lines) + "\n" if lines else ""


def _path_pair(name: str, value: str) -> str:
    if value in ("", ".", "..") or "/" in value:
        encoded = base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")
        return f"{name}@base64/{encoded or '='}"
    # encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) unescaped.
    return f"{name}/{urllib.parse.quote(value, safe=_URI_SAFE)}"


_URI_SAFE = "-_.!~*'()"
_LABEL_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _is_label_name(name: str) -> bool:
    return bool(name) and not name[0].isdigit() and set(name) <= _LABEL_NAME_CHARS


def pushgateway_path(job: str, grouping_key: dict[str, str] | None = None) -> str:
    """``/metrics/job/<job>{/<label>/<value>}``, labels sorted by name, values URI-encoded or
    base64url-encoded (``@base64``) when they contain ``/``, are empty, ``.`` or ``..``."""
    key = grouping_key or {}
    problems: list[str] = []
    if job == "":
        problems.append("job: must not be empty (the Pushgateway rejects an empty job)")
    for name in key:
        if name == "job":
            problems.append("groupingKey.job: the job is the first argument, not a grouping label")
        elif not _is_label_name(name):
            problems.append(f"groupingKey.{name}: not a label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        elif name.startswith("__"):
            problems.append(f'groupingKey.{name}: names starting with "__" are reserved by Prometheus')
    if problems:
        raise PushContractError(problems)
    # JavaScript's default sort compares UTF-16 code units; label names are ASCII here.
    return "/".join(["/metrics", _path_pair("job", job), *(_path_pair(n, key[n]) for n in sorted(key))])


@dataclass(frozen=True)
class PushRequest:
    path: str
    content_type: str
    body: str


def push_request(job: str, grouping_key: dict[str, str], samples: list[Sample]) -> PushRequest:
    """Path and body of one push; rejects a sample label the grouping key would overwrite."""
    path = pushgateway_path(job, grouping_key)
    body = render_pushed_metrics(samples)
    problems = [
        f'samples[{i}].labels.{name}: "{value}" differs from the grouping key\'s "{grouping_key[name]}" '
        "(the Pushgateway would overwrite it)"
        for i, s in enumerate(samples)
        for name, value in s.labels.items()
        if name in grouping_key and grouping_key[name] != value
    ]
    if problems:
        raise PushContractError(problems)
    return PushRequest(path, contract().content_type, body)


def job_request(job_key: str, grouping_key: dict[str, str], samples: list[Sample]) -> tuple[str, PushRequest]:
    """The HTTP method and request of contract job ``job_key`` (e.g. ``modelDrift``): checks that
    the grouping key has exactly the job's labels and that the job may push each metric."""
    spec = contract().jobs[job_key]
    problems: list[str] = []
    if sorted(grouping_key) != sorted(spec.grouping_labels):
        problems.append(
            f"groupingKey: {spec.job} groups by {', '.join(spec.grouping_labels)},"
            f" not {', '.join(grouping_key)}"
        )
    problems += [
        f"samples[{i}].metric: {s.metric} is not pushed by {spec.job}"
        for i, s in enumerate(samples)
        if s.metric not in spec.metrics
    ]
    if problems:
        raise PushContractError(problems)
    return spec.method, push_request(spec.job, grouping_key, samples)


def push(
    base_url: str, job_key: str, grouping_key: dict[str, str], samples: list[Sample], timeout: float = 10.0
) -> str:
    """Push ``samples`` as contract job ``job_key`` to the Pushgateway at ``base_url``; returns the
    URL pushed to. A refused push (HTTP error, unreachable) is a JobError naming the URL."""
    method, request = job_request(job_key, grouping_key, samples)
    url = base_url.rstrip("/") + request.path
    http = urllib.request.Request(
        url, data=request.body.encode("utf-8"), method=method, headers={"Content-Type": request.content_type}
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace").strip()
        raise JobError(f"the Pushgateway refused {method} {url}: HTTP {e.code} {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise JobError(f"cannot push to the Pushgateway at {url}: {reason}") from None
    return url
