# One image for the three services, the one-shot migrations and the `htx` tool.
# The command picks the role: `python -m services.<name> --host 0.0.0.0 --port 800X`, `htx migrate`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Sources, then an editable install pinned by requirements.lock: each service's Alembic scripts (services/*/migrations)
# are plain directories, not packages, so they must stay beside the code.
COPY pyproject.toml requirements.lock README.md* ./
COPY shared ./shared
COPY services ./services
COPY htx ./htx
RUN pip install -c requirements.lock -e . \
    && useradd --create-home --uid 10001 htx \
    && mkdir -p /app/data && chown htx /app/data

USER htx
EXPOSE 8001 8002 8003
CMD ["htx", "--help"]
