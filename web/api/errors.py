"""One JSON shape for every API error: {"error": {"status", "code", "message", "details"}}."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler


def _message(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            values = value if isinstance(value, list) else [value]
            parts.append(f"{field}: {'; '.join(str(v) for v in values)}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return "; ".join(str(v) for v in detail)
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "not found")
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid_request"
    response.data = {
        "error": {
            "status": response.status_code,
            "code": code,
            "message": _message(detail),
            "details": detail if isinstance(detail, dict | list) else None,
        }
    }
    return response


def json_not_found(request, exception=None):
    return JsonResponse(
        {"error": {"status": 404, "code": "not_found", "message": "no such API endpoint", "details": None}},
        status=status.HTTP_404_NOT_FOUND,
    )


def json_server_error(request):
    return JsonResponse(
        {
            "error": {
                "status": 500,
                "code": "server_error",
                "message": "internal error; it has been logged",
                "details": None,
            }
        },
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
