"""An eval suite, and loading one from a Python module.

A suite module either binds ``suite = Suite(...)`` or names the parts at module level:
``workflow`` (a :class:`Workflow` or its entrypoint), ``cases`` and ``graders``, and optionally
``models`` (a :class:`ModelRouter`, or a function ``(case, repeat) -> ModelRouter`` for
seeded offline runs), ``approver`` and ``name``.

>>> from tracekit.evals import Case, Suite, equals
>>> suite = Suite(workflow=None, cases=[Case("greet", "hi", expected="hello")],
...               graders=[equals()], name="greetings")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracekit.evals.cases import Case, GraderFn
from tracekit.exceptions import SuiteError
from tracekit.models.routing import ModelRouter
from tracekit.orchestrator import Approver, Workflow
from tracekit.orchestrator.workflow import workflow_of

ModelsSpec = ModelRouter | Callable[[Case, int], ModelRouter]
"""A router for every run, or a function that gives one per case and repeat."""


@dataclass
class Suite:
    """A workflow, its cases and the graders that judge every run."""

    workflow: Workflow
    cases: Sequence[Case]
    graders: Sequence[GraderFn] = ()
    name: str = ""
    models: ModelsSpec | None = None
    approver: Approver | None = None
    source: str = field(default="", compare=False)
    """Where the suite was loaded from (its argument to ``tracekit eval``)."""

    def __post_init__(self) -> None:
        self.name = self.name or self.workflow.name
        names = [case.name for case in self.cases]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise SuiteError(f"suite {self.name!r}: duplicate case names: {', '.join(duplicates)}")

    def router_for(
        self, case: Case, repeat: int, override: ModelsSpec | None
    ) -> ModelRouter | None:
        """The models for one run: ``override`` (``--models``), else the suite's, else None
        (the workflow's own ``models=``)."""
        spec = override if override is not None else self.models
        if spec is None or isinstance(spec, ModelRouter):
            return spec
        return spec(case, repeat)


def _import_module(spec: str) -> Any:
    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise SuiteError(f"suite {spec}: no such file")
        name = f"tracekit_eval_suite_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise SuiteError(f"suite {spec}: cannot be imported")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        # The suite's own folder goes on the path, so it can import its neighbours.
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module_spec.loader.exec_module(module)
        return module
    return importlib.import_module(spec)


def load_suite(spec: str) -> Suite:
    """The suite of a module: a file path (``evals/support.py``), a module name
    (``myapp.evals``) or ``module:attribute``.

    Raises SuiteError (one line) when it does not import or names no workflow or no cases.
    """
    module_part, _, attribute = (
        spec.partition(":") if ":" in spec and not Path(spec).exists() else (spec, "", "")
    )
    try:
        module = _import_module(module_part)
    except SuiteError:
        raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise SuiteError(
            f"suite {spec} does not import: {type(exc).__name__}: {exc}".rstrip(": ")
        ) from None
    target = getattr(module, attribute or "suite", None)
    if attribute and target is None:
        raise SuiteError(f"suite {spec}: the module has no {attribute!r}")
    if isinstance(target, Suite):
        target.source = spec
        return _checked(target, spec)
    workflow = getattr(module, "workflow", None)
    workflow = workflow if isinstance(workflow, Workflow) else workflow_of(workflow)
    if workflow is None:
        raise SuiteError(f"suite {spec}: names no workflow (bind `workflow` or `suite`)")
    try:
        suite = Suite(
            workflow=workflow,
            cases=list(getattr(module, "cases", ()) or ()),
            graders=list(getattr(module, "graders", ()) or ()),
            name=str(getattr(module, "name", "") or ""),
            models=getattr(module, "models", None),
            approver=getattr(module, "approver", None),
            source=spec,
        )
    except TypeError as exc:
        raise SuiteError(f"suite {spec}: {exc}") from None
    return _checked(suite, spec)


def _checked(suite: Suite, spec: str) -> Suite:
    if not suite.cases:
        raise SuiteError(f"suite {spec} has no cases")
    bad = [c for c in suite.cases if not isinstance(c, Case)]
    if bad:
        raise SuiteError(f"suite {spec}: cases must be tracekit.evals.Case, got {bad[0]!r}")
    return suite
