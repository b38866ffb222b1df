# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPENNESS_VAR_DIR=/var/lib/openness

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/openness openness \
    && mkdir -p /var/lib/openness && chown openness /var/lib/openness

COPY pyproject.toml README.md ./
COPY openness ./openness
COPY catalog ./catalog
COPY scoring ./scoring
COPY standin ./standin
RUN pip install .
COPY manage.py ./
COPY templates ./templates
COPY static ./static

# collectstatic needs settings but no database; a throwaway key is enough at build time.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 \
    python manage.py collectstatic --noinput

USER openness
EXPOSE 8000
CMD ["gunicorn", "openness.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "5", "--access-logfile", "-"]
