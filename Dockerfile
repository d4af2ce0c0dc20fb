# outwork in a container, built from this checkout (no package index serves outwork itself):
#   docker build -t outwork .
#   docker run --rm -v "$PWD:/scan:ro" outwork scan . --format sarif > outwork.sarif
# Pin the base image by digest in your own builds (FROM python:3.12-slim@sha256:...).
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python -m pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 outwork
USER outwork
ENV OUTWORK_CACHE_DIR=/home/outwork/.cache/outwork
WORKDIR /scan
ENTRYPOINT ["outwork"]
CMD ["scan", "."]
