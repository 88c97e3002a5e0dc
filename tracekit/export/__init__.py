"""OTLP out: export stored spans to an OTLP endpoint, and live export while recording."""
