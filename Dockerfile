# syntax=docker/dockerfile:1
#
# TataMutasi: one image for the four services, their migration jobs and the web console.
#
#   docker build -t tatamutasi:0.1.0 .                        # services (default target)
#   docker run -e SERVICE=pegawai ... tatamutasi:0.1.0        # serve one service
#   docker run -e SERVICE=pegawai ... tatamutasi:0.1.0 migrate
#   docker run -e SERVICE=web -p 8000:8000 ... tatamutasi:0.1.0 # the web console
#   docker build --target migrate --build-arg SERVICE=audit -t tatamutasi-migrate-audit .
#
# The base image is pinned by tag. For reproducible production builds pin it by digest as
# well, e.g. `FROM python:3.11-slim-bookworm@sha256:<digest>` (find the digest with
# `docker buildx imagetools inspect python:3.11-slim-bookworm`), and let a bot bump it.
# Builder and runtime must use the same base: the venv's python links to /usr/local/bin.
#
# No secret is baked in: database passwords and the token-verification key are mounted at
# run time (see deploy/README.md).

# ---------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS builder

ARG UV_VERSION=0.13.9
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never

RUN pip install "uv==${UV_VERSION}" \
 && python -m venv /opt/venv \
 && python -m venv /opt/build

WORKDIR /src

# Dependencies first (their own layer, rebuilt only when the lock changes), every
# distribution checked against the hashes in requirements.lock.
COPY requirements.lock ./
RUN uv pip install --python /opt/venv/bin/python --require-hashes -r requirements.lock

# The project itself, built with a hash-pinned build backend in a separate venv, then
# installed without dependencies (they all come from the lock above).
COPY deploy/docker/build-requirements.lock ./build-requirements.lock
RUN uv pip install --python /opt/build/bin/python --require-hashes -r build-requirements.lock
COPY pyproject.toml README.md ./
COPY contracts/src contracts/src
COPY cli/src cli/src
COPY services services
COPY web/src web/src
RUN /opt/build/bin/python -m hatchling build -t wheel -d /tmp/dist \
 && uv pip install --python /opt/venv/bin/python --no-deps /tmp/dist/*.whl \
 && /opt/venv/bin/python -c "import tatamutasi_pegawai.app, tatamutasi_formasi.app, \
tatamutasi_matching.app, tatamutasi_audit.app, tatamutasi_cli.main, tatamutasi_web.app"

# ---------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

# Which service this image runs by default; can be overridden at run time with -e SERVICE=.
ARG SERVICE=""
ENV SERVICE=${SERVICE} \
    PATH=/opt/venv/bin:${PATH} \
    VIRTUAL_ENV=/opt/venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

LABEL org.opencontainers.image.title="tatamutasi" \
      org.opencontainers.image.description="TataMutasi services (pegawai, formasi, matching, audit) and web console" \
      org.opencontainers.image.licenses="Apache-2.0"

# A fixed, unprivileged uid/gid (10001), so volume permissions and Kubernetes
# securityContext (runAsUser/runAsNonRoot) can rely on it.
RUN groupadd --system --gid 10001 tatamutasi \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tatamutasi \
 && mkdir -p /app/data \
 && chown 10001:10001 /app/data

COPY --from=builder /opt/venv /opt/venv
COPY deploy/docker/entrypoint.py /app/entrypoint.py

WORKDIR /app
USER 10001:10001

EXPOSE 8000 8001 8002 8003 8004

ENTRYPOINT ["python", "/app/entrypoint.py"]

# ---------------------------------------------------------------------------------------
# One-shot migration job: `tatamutasi migrate --service $SERVICE` with $SERVICE's
# <PREFIX>_DATABASE_URL. The service image runs the same with the argument `migrate`.
FROM runtime AS migrate
HEALTHCHECK NONE
CMD ["migrate"]

# ---------------------------------------------------------------------------------------
# The service (default target: keep it last). Liveness through /healthz, with python since
# the slim image has no curl.
FROM runtime AS service
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/entrypoint.py", "healthcheck", "/healthz"]
CMD ["serve"]
