"""OTLP/HTTP trace request bodies: content type, compression, size limit, decoding, replies.

The wire rules come from the OTLP/HTTP specification: ``application/x-protobuf`` bodies are a
binary ``ExportTraceServiceRequest``; ``application/json`` bodies are its JSON mapping with
hex trace and span ids; ``Content-Encoding: gzip`` may wrap either. The reply uses the
request's encoding: an ``ExportTraceServiceResponse`` on success, a ``google.rpc.Status`` on
failure.
"""

from __future__ import annotations

import enum
import gzip
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from google.rpc import status_pb2  # type: ignore[import-untyped]
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tracekit.exceptions import OtlpRequestError, TracekitError
from tracekit.ingest.defaults import DEFAULT_MAX_BODY_BYTES

_ENCODINGS = ("", "identity", "gzip")
_INFLATE_CHUNK = 1 << 20


class BodyEncoding(enum.Enum):
    """How a request body (and so its reply) is encoded."""

    PROTOBUF = "application/x-protobuf"
    JSON = "application/json"

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value for this encoding."""
        return self.value


@dataclass(frozen=True)
class TraceRequest:
    """A decoded request: the spans to ingest and how the client wants its reply."""

    message: ExportTraceServiceRequest
    encoding: BodyEncoding


def body_encoding(content_type: str | None) -> BodyEncoding:
    """The encoding a ``Content-Type`` header names; 415 for anything else."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    for encoding in BodyEncoding:
        if media_type == encoding.value:
            return encoding
    raise OtlpRequestError(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        f"unsupported content type {media_type or '(none)'!r}; "
        "send application/x-protobuf or application/json",
    )


def decompress(
    body: bytes,
    content_encoding: str | None,
    *,
    max_bytes: int,
    on_inflate: Callable[[int], None] | None = None,
) -> bytes:
    """The body without its ``Content-Encoding``; at most ``max_bytes`` once inflated.

    Every member of a multi-member gzip body is read (``cat a.gz b.gz`` is one valid gzip
    body). A body that inflates past the limit is refused (413) without inflating the rest,
    so a small "zip bomb" cannot exhaust memory. ``on_inflate`` is told the size of each
    inflated chunk before it is kept (the receiver charges it to its in-flight budget, and
    may raise to stop).
    """
    encoding = (content_encoding or "").strip().lower()
    if encoding not in _ENCODINGS:
        raise OtlpRequestError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"unsupported content encoding {encoding!r}; send gzip or none",
        )
    if encoding != "gzip":
        return body
    # The gzip module, not a bare zlib.decompressobj: it reads every member, skips the zero
    # padding some writers append, and checks each member's CRC and length.
    out = io.BytesIO()
    inflated = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body), mode="rb") as reader:
            while chunk := reader.read(min(_INFLATE_CHUNK, max_bytes + 1 - inflated)):
                inflated += len(chunk)
                if inflated > max_bytes:
                    raise OtlpRequestError(
                        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"the body inflates to more than {max_bytes} bytes",
                    )
                if on_inflate is not None:
                    on_inflate(len(chunk))
                out.write(chunk)
    except EOFError:
        raise OtlpRequestError(HTTPStatus.BAD_REQUEST, "bad gzip body: truncated") from None
    except (OSError, zlib.error) as error:
        raise OtlpRequestError(HTTPStatus.BAD_REQUEST, f"bad gzip body: {error}") from None
    return out.getvalue()


def decode_request(
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> TraceRequest:
    """Decode one ``/v1/traces`` body; raises :class:`OtlpRequestError` with the status."""
    encoding = body_encoding(content_type)
    data = decompress(body, content_encoding, max_bytes=max_bytes)
    if encoding is BodyEncoding.PROTOBUF:
        message = ExportTraceServiceRequest()
        try:
            # protobuf refuses messages nested deeper than its recursion limit (100).
            message.ParseFromString(data)
        except RecursionError:
            raise _too_deep() from None
        except (DecodeError, RuntimeError, ValueError) as error:
            raise OtlpRequestError(
                HTTPStatus.BAD_REQUEST, f"the body is not an OTLP protobuf trace request: {error}"
            ) from None
        return TraceRequest(message, encoding)
    return TraceRequest(_decode_json(data), encoding)


def _decode_json(data: bytes) -> ExportTraceServiceRequest:
    # The codec's reader knows the OTLP JSON quirks (hex ids, enums as integers, 64-bit ints
    # as strings); a TracesData and an ExportTraceServiceRequest share their one field.
    from tracekit.otlp.decode import traces_data_from_json

    try:
        text = data.decode("utf-8")
        traces = traces_data_from_json(text)
    except UnicodeDecodeError:
        raise OtlpRequestError(HTTPStatus.BAD_REQUEST, "the JSON body is not UTF-8") from None
    except RecursionError:
        # json.loads stops at the interpreter's recursion limit; the protobuf mapping after it
        # at 100 nested messages (a ParseError, so a 400 below).
        raise _too_deep() from None
    except TracekitError as error:
        raise OtlpRequestError(
            HTTPStatus.BAD_REQUEST, f"the body is not an OTLP JSON trace request: {error}"
        ) from None
    message = ExportTraceServiceRequest()
    message.resource_spans.extend(traces.resource_spans)
    return message


def _too_deep() -> OtlpRequestError:
    return OtlpRequestError(HTTPStatus.BAD_REQUEST, "the body is nested too deeply")


def encode_message(message: Message, encoding: BodyEncoding) -> bytes:
    """``message`` in the wire encoding of a reply."""
    if encoding is BodyEncoding.JSON:
        return json_format.MessageToJson(message, indent=None).encode("utf-8")
    return message.SerializeToString()


def success_reply(rejected_spans: int, error_message: str, encoding: BodyEncoding) -> bytes:
    """An ``ExportTraceServiceResponse``; ``partial_success`` set only when spans were
    rejected (the specification asks for it to be left unset on full success)."""
    response = ExportTraceServiceResponse()
    if rejected_spans:
        response.partial_success.rejected_spans = rejected_spans
        response.partial_success.error_message = error_message
    return encode_message(response, encoding)


def error_reply(status: int, message: str, encoding: BodyEncoding) -> bytes:
    """A ``google.rpc.Status`` describing why a request was refused."""
    return encode_message(status_pb2.Status(code=_grpc_code(status), message=message), encoding)


def _grpc_code(status: int) -> int:
    # google.rpc.Code values matching the HTTP statuses the receiver sends.
    return {
        HTTPStatus.BAD_REQUEST: 3,  # INVALID_ARGUMENT
        HTTPStatus.NOT_FOUND: 5,  # NOT_FOUND
        HTTPStatus.METHOD_NOT_ALLOWED: 12,  # UNIMPLEMENTED
        HTTPStatus.LENGTH_REQUIRED: 3,  # INVALID_ARGUMENT
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE: 3,  # INVALID_ARGUMENT
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: 8,  # RESOURCE_EXHAUSTED
        HTTPStatus.SERVICE_UNAVAILABLE: 14,  # UNAVAILABLE
    }.get(HTTPStatus(status), 2)  # UNKNOWN
