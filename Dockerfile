# syntax=docker/dockerfile:1
# FlagMeter service image: built on Debian 12 (the packages it is developed
# and tested with), run on Debian 12 slim with only the runtime libraries.

FROM debian:12.8 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libboost1.81-dev libpqxx-dev libhiredis-dev \
      nlohmann-json3-dev libspdlog-dev prometheus-cpp-dev libssl-dev libjemalloc-dev python3-yaml \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the service build reads; neither the tests nor tools/ are built
# here. scripts/test replays this stage from exactly these files (honouring
# .dockerignore) and runs the binary, so a missing COPY fails the tests.
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY include/ include/
COPY src/ src/
COPY migrations/ migrations/
COPY web/ web/
# The API's OpenAPI document, served as JSON (converted at build time: python3-yaml).
COPY docs/openapi.yaml docs/openapi.yaml
# The commit `flagmeter --version` reports (the build context has no .git):
#   docker build --build-arg FLAGMETER_COMMIT=$(git rev-parse --short=12 HEAD) .
ARG FLAGMETER_COMMIT=unknown
# Paths relative to WORKDIR, so the same commands run in any folder.
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DFLAGMETER_BUILD_TESTS=OFF -DFLAGMETER_BUILD_TOOLS=OFF \
      -DFLAGMETER_COMMIT="${FLAGMETER_COMMIT}" \
 && cmake --build build --target flagmeter -j"$(nproc)" \
 && strip build/flagmeter

FROM debian:12.8-slim AS runtime
# Shared libraries of the binary (libpq5 comes as a dependency), CA
# certificates for https webhooks, and curl for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpqxx-6.4 libhiredis0.14 libspdlog1.10 libfmt9 libprometheus-cpp-core1.0 libssl3 libjemalloc2 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system flagmeter \
 && useradd --system --gid flagmeter --no-create-home --shell /usr/sbin/nologin flagmeter
COPY --from=build /src/build/flagmeter /usr/local/bin/flagmeter
USER flagmeter
ENV PORT=3000 \
    LOG_FORMAT=json
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/api/health" >/dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/flagmeter"]
