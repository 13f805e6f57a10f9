# The Dzinza image: one image for every process (`dzinza serve`, `dzinza worker`,
# `dzinza db upgrade`, `dzinza backup ...`); the Kubernetes manifests differ only in arguments.
#
# Debian slim, not Alpine: psycopg, Pillow, pillow-heif, cryptography and orjson ship manylinux
# (glibc) wheels, which Alpine's musl cannot use, so Alpine would mean compiling them. Bookworm
# (Debian 12) is what Dzinza is developed and tested on, and its PostgreSQL client is 15, the
# server's version.

# --- builder: the locked dependencies and Dzinza itself, as wheels, into a virtualenv ----------
FROM python:3.11-slim-bookworm AS builder

# uv installs exactly what uv.lock says (hashes checked); the same version as the Makefile's.
# The interpreter is the base image's own, which the runtime stage has at the same path.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/dzinza \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /src
# Dependencies first, in a layer of their own: it is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
# Then Dzinza, built as a wheel and installed (not editable: the sources stay behind).
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable \
 && /opt/dzinza/bin/dzinza --help >/dev/null

# --- runtime: the virtualenv, pg_dump/pg_restore for backups, no compilers --------------------
FROM python:3.11-slim-bookworm AS runtime

ARG REVISION=unknown
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="Dzinza" \
      org.opencontainers.image.description="Build, share and search family trees: the API, the web app, the job worker and the maintenance commands." \
      org.opencontainers.image.licenses="AGPL-3.0-or-later" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11-slim-bookworm"

# postgresql-client-15: `dzinza backup` runs pg_dump and pg_restore, which must be at least as
# new as the server (PostgreSQL 15). The user: uid/gid 10001, so that `runAsNonRoot` can check
# it, and its data folder, where Kubernetes mounts an emptyDir (the root filesystem is read-only
# there).
# DL3008 (pin apt versions): the major version is pinned by the package's name; an exact point
# release would vanish from Debian's archive at its next security update and break the build.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dzinza \
 && useradd --system --uid 10001 --gid dzinza --home-dir /var/lib/dzinza --no-create-home \
      --shell /usr/sbin/nologin dzinza \
 && install -d -o dzinza -g dzinza -m 0750 /var/lib/dzinza

# Owned by root and read-only for the user: the code cannot be changed by the process running it.
COPY --from=builder /opt/dzinza /opt/dzinza

# The real pg_dump first on PATH (Dzinza looks it up there), rather than Debian's version-picking
# wrapper. Bytecode was compiled in the builder; nothing is written beside the code at run time.
ENV PATH=/opt/dzinza/bin:/usr/lib/postgresql/15/bin:$PATH \
    DZINZA_DATA_DIR=/var/lib/dzinza \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /app
USER 10001:10001

# 8000: the web app and API (`dzinza serve`); 9100: Prometheus metrics (DZINZA_METRICS_PORT).
EXPOSE 8000 9100

# Liveness of `dzinza serve`, without curl in the image. Kubernetes ignores it (its probes hit
# /healthz and /readyz); under plain Docker, run other commands with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["dzinza"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
