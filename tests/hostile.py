"""Hostile text for the terminal-injection tests: escape sequences and invisible characters
that a crafted span could carry, recorded through the real OpenTelemetry SDK into a store.

Each sequence is followed by a marker word, so a test can tell the hostile sequence from
the terminal's own output (a TUI clears its screen itself, for one).
"""

from __future__ import annotations

import json

from opentelemetry import trace
from opentelemetry.trace import Tracer

from tracekit import semconv as sc

MS = 1_000_000

#: Each hostile sequence, raw as a span would carry it.
SEQUENCES = {
    "OSC 52": "\x1b]52;c;cHduZWQ=\x07",  # writes the terminal's clipboard
    "OSC 2": "\x1b]2;pwned-title\x07",  # sets the window title
    "OSC 8": "\x1b]8;;https://evil.example/\x1b\\",  # starts a hyperlink
    "CSI 2J": "\x1b[2J",  # clears the screen
    "C1 CSI": "\x9b2J",  # the same, as one 8-bit control
    "U+202E": "\u202e",  # right-to-left override: the text reads backwards
}
#: How each shows once made inert: visible, as escapes.
SHOWN = {
    "OSC 52": "\\x1b]52;c;cHduZWQ=\\x07",
    "OSC 2": "\\x1b]2;pwned-title\\x07",
    "OSC 8": "\\x1b]8;;https://evil.example/\\x1b\\",
    "CSI 2J": "\\x1b[2J",
    "C1 CSI": "\\x9b2J",
    "U+202E": "\\u202e",
}
#: All of them in one short string, each followed by a marker (see the module docstring).
EVIL = "".join(f"{sequence}Z{index}" for index, sequence in enumerate(SEQUENCES.values()))
#: ``EVIL`` as every renderer must show it.
EVIL_SHOWN = "".join(f"{shown}Z{index}" for index, shown in enumerate(SHOWN.values()))
#: Byte strings that must never reach a terminal (stdout, or a pty), UTF-8 encoded: each
#: sequence up to its terminator (a renderer may drop a BEL and keep the rest).
RAW_BYTES = [
    b"\x1b]52;c;cHduZWQ=",
    b"\x1b]2;pwned-title",
    b"\x1b]8;;https://evil.example/",
    b"\x1b[2JZ3",
    "\x9b".encode(),
    "\u202e".encode(),
]

WORKFLOW = f"wf{EVIL}"
AGENT = f"agent{EVIL}"
TOOL = f"tool{EVIL}"
MESSAGE = f"Please{EVIL}"
ATTRIBUTE_KEY = f"key{EVIL}"
ATTRIBUTE_VALUE = f"value{EVIL}"


def assert_inert(text: str) -> None:
    """``text`` (what a user sees) holds no control, bidi override or raw sequence."""
    for forbidden in ("\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\u202e"):
        assert forbidden not in text, f"{forbidden!r} reached the output"


def emit_hostile_run(
    tracer: Tracer, *, start_ns: int = 1_750_000_000_000 * MS, message: str = MESSAGE
) -> str:
    """One run whose workflow, agent, tool and span names, message and an attribute key and
    value are all hostile. Returns the trace id (hex)."""
    t = start_ns
    root = tracer.start_span(
        sc.workflow_span_name(WORKFLOW),
        start_time=t,
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: WORKFLOW,
            sc.TRACEKIT_WORKFLOW_INPUT: json.dumps({"doc": message}),
            ATTRIBUTE_KEY: ATTRIBUTE_VALUE,
        },
    )
    with trace.use_span(root, end_on_exit=False):
        agent = tracer.start_span(
            sc.agent_span_name(AGENT),
            start_time=t + 1 * MS,
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                sc.GEN_AI_AGENT_NAME: AGENT,
                sc.TRACEKIT_AGENT_PATH: AGENT,
            },
        )
        with trace.use_span(agent, end_on_exit=False):
            chat = tracer.start_span(
                sc.chat_span_name("claude-haiku-4-5"),
                kind=trace.SpanKind.CLIENT,
                start_time=t + 2 * MS,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                    sc.GEN_AI_PROVIDER_NAME: "anthropic",
                    sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
                    sc.GEN_AI_USAGE_INPUT_TOKENS: 100,
                    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 20,
                    sc.TRACEKIT_AGENT_PATH: AGENT,
                    sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": message}]}]
                    ),
                    sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": MESSAGE}]}]
                    ),
                    ATTRIBUTE_KEY: ATTRIBUTE_VALUE,
                },
            )
            chat.end(end_time=t + 12 * MS)
            tool = tracer.start_span(
                sc.tool_span_name(TOOL),
                start_time=t + 13 * MS,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
                    sc.GEN_AI_TOOL_NAME: TOOL,
                    sc.TRACEKIT_AGENT_PATH: AGENT,
                    sc.GEN_AI_TOOL_CALL_ARGUMENTS: json.dumps({"query": message}),
                    sc.GEN_AI_TOOL_CALL_RESULT: json.dumps({ATTRIBUTE_KEY: ATTRIBUTE_VALUE}),
                },
            )
            tool.end(end_time=t + 15 * MS)
        agent.end(end_time=t + 16 * MS)
    root.end(end_time=t + 20 * MS)
    return format(root.get_span_context().trace_id, "032x")
