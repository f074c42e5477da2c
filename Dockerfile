# imchat: one image with all processes (the broker with our plugin, the auth-service daemon and
# the web gateway); docker-compose.yml runs it three times with different commands.
# The build stage and the runtime stage install packages and build with the same scripts
# the native setup uses (scripts/setup, scripts/build), so the package list lives in one
# place: scripts/lib/common.sh. A third stage bundles the web client (web/, npm + esbuild);
# only its output reaches the runtime stage, which has no node.

FROM debian:bookworm AS build
WORKDIR /src
# Only the scripts these steps run, so editing another script keeps the cached layers.
COPY scripts/setup scripts/build scripts/
COPY scripts/lib/common.sh scripts/lib/
RUN scripts/setup && rm -rf /var/lib/apt/lists/*
# Only what the build reads, so edits to tests, docs or docker/ reuse the compiled layer.
COPY CMakeLists.txt ./
COPY auth-service/ auth-service/
COPY client/ client/
# The gateway (Boost.Beast, header-only: libboost-dev is a build package only). CMakeLists.txt
# builds it whenever gateway/ is present.
COPY gateway/ gateway/
# Tests and benchmarks are not built into the image.
RUN IMCHAT_BUILD=/src/build-image scripts/build -DCMAKE_BUILD_TYPE=Release \
      -DIMCHAT_BUILD_TESTS=OFF -DIMCHAT_BUILD_BENCH=OFF -DIMCHAT_BUILD_FUZZ=OFF

# The web client, in a stage of its own so that its layers and the C++ ones are cached
# independently: editing web/src re-runs only the bundler, editing C++ never re-runs npm ci.
# The same steps as web/CMakeLists.txt (npm ci beside a copy of package.json and the lock file,
# then web/build.mjs into <dir>/dist), without CMake: the same bundle as a native build.
FROM debian:bookworm AS web
WORKDIR /src
COPY scripts/setup scripts/
COPY scripts/lib/common.sh scripts/lib/
RUN scripts/setup --web-only && rm -rf /var/lib/apt/lists/*
# The dependencies first: npm ci (from the lock file, from npm's registry) runs again only when
# package.json or package-lock.json change. Behind a TLS-inspecting proxy, hand its CA to node
# as a build secret (podman/docker build --secret id=npm-ca,src=ca.pem); without one, none.
COPY web/package.json web/package-lock.json build-web/
RUN --mount=type=secret,id=npm-ca cd build-web && \
    if [ -s /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi && \
    npm ci --no-audit --no-fund --loglevel=error
COPY web/build.mjs web/
COPY web/src/ web/src/
COPY web/public/ web/public/
RUN node web/build.mjs /src/build-web && test -s build-web/dist/index.html && \
    test -s build-web/dist/app.js

FROM debian:bookworm AS runtime
COPY scripts/setup /opt/imchat/scripts/
COPY scripts/lib/common.sh /opt/imchat/scripts/lib/
RUN /opt/imchat/scripts/setup --runtime-only && rm -rf /var/lib/apt/lists/*
# Nothing runs as root: one unprivileged user owns the data volume and the secret volume
# (/run/secrets; a new named volume takes the owner and mode of its mount point).
RUN groupadd --system --gid 10001 imchat && \
    useradd --system --uid 10001 --gid imchat --home-dir /var/lib/imchat --shell /usr/sbin/nologin imchat && \
    mkdir -p /usr/lib/imchat /etc/imchat /var/lib/imchat /run/secrets && \
    chown imchat:imchat /var/lib/imchat /run/secrets && \
    chmod 0700 /run/secrets
COPY --from=build /src/build-image/auth-service/imchat_auth.so /usr/lib/imchat/imchat_auth.so
COPY --from=build /src/build-image/auth-service/imchat-service /usr/bin/imchat-service
COPY --from=build /src/build-image/gateway/imchat-gateway /usr/bin/imchat-gateway
# Boost is header-only, so the gateway needs no boost package here; if it links a shared
# library the runtime packages lack (libssl3 for TLS comes with libmosquitto1 today), the
# image build stops here instead of the gateway failing at its first start.
RUN if ldd /usr/bin/imchat-gateway | grep 'not found'; then \
      echo 'imchat-gateway needs a library the runtime stage lacks: add its package to IMCHAT_RUN_PACKAGES (scripts/lib/common.sh)' >&2; \
      exit 1; \
    fi
# The pages the gateway serves (docker-compose.yml's gateway service: --web-root
# /usr/share/imchat/www): the web client's bundle (index.html, app.js, app.css,
# timer-worker.js, the icons); none of the web stage's toolchain comes along.
COPY --from=web /src/build-web/dist/ /usr/share/imchat/www/
COPY mosquitto.conf /etc/imchat/mosquitto.conf
COPY docker/entrypoint-broker docker/entrypoint-service docker/healthcheck-broker \
     docker/healthcheck-service docker/healthcheck-gateway docker/init-secret \
     docker/wait-secret /usr/lib/imchat/
USER imchat
WORKDIR /var/lib/imchat
VOLUME /var/lib/imchat
EXPOSE 1883 8080
CMD ["/usr/lib/imchat/entrypoint-broker"]
