# imchat: one image with both processes (the broker with our plugin, and the auth-service
# daemon); docker-compose.yml runs it twice with different commands.
# The build stage and the runtime stage install packages and build with the same scripts
# the native setup uses (scripts/setup, scripts/build), so the package list lives in one
# place: scripts/lib/common.sh.

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
# Tests and benchmarks are not built into the image.
RUN IMCHAT_BUILD=/src/build-image scripts/build -DCMAKE_BUILD_TYPE=Release \
      -DIMCHAT_BUILD_TESTS=OFF -DIMCHAT_BUILD_BENCH=OFF -DIMCHAT_BUILD_FUZZ=OFF

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
COPY mosquitto.conf /etc/imchat/mosquitto.conf
COPY docker/entrypoint-broker docker/entrypoint-service docker/healthcheck-broker \
     docker/healthcheck-service docker/init-secret docker/wait-secret /usr/lib/imchat/
USER imchat
WORKDIR /var/lib/imchat
VOLUME /var/lib/imchat
EXPOSE 1883
CMD ["/usr/lib/imchat/entrypoint-broker"]
