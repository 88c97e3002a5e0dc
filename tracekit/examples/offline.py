"""Offline models for forking the demo's runs: ``tracekit fork ... --models
tracekit.examples:offline_router``.

The demo workflows carry no ``models=`` (the demo picks a seeded scripted model per run), so
a fork of a demo run needs models to go live with. This router answers every demo agent with
the scripted model and the demo's own per-agent scripts, on a seed of its own: no key, no
network, and different answers from the recorded ones.
"""

from __future__ import annotations

from tracekit.examples import guarded_research, plan_critique_revise, support_router
from tracekit.models import ModelRouter, ScriptedModel
from tracekit.models.scripted import by_agent

#: The seed the offline fork models answer with (the demo's runs use seeds 0, 1, 2, ...).
FORK_SEED = 1000


def offline_router(seed: int = FORK_SEED) -> ModelRouter:
    """Scripted models for every demo agent, seeded with ``seed``."""
    script = by_agent(
        {
            "critic": plan_critique_revise._critic_script,
            "billing": support_router._refunding_script,
            "senior": support_router._refunding_script,
            "researcher": guarded_research._researcher_script,
            "archivist": guarded_research._archivist_script,
        }
    )
    return ModelRouter({}, default=ScriptedModel(seed=seed, script=script))
