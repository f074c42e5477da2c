# imchat: one image with both processes (the broker with our plugin, and the auth-service
# daemon); docker-compose.yml runs it twice with different commands.
# The build stage and the runtime stage install packages and build with the same scripts
# the native setup uses (scripts/setup, scripts/build), so the package list lives in one
# place: scripts/lib/common.sh.

FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/setup && rm -rf /var/lib/apt/lists/*
COPY . .
# Tests and benchmarks are not built into the image.
RUN IMCHAT_BUILD=/src/build-image scripts/build -DCMAKE_BUILD_TYPE=Release \
      -DIMCHAT_BUILD_TESTS=OFF -DIMCHAT_BUILD_BENCH=OFF -DIMCHAT_BUILD_FUZZ=OFF

FROM debian:bookworm AS runtime
COPY scripts/ /opt/imchat/scripts/
RUN /opt/imchat/scripts/setup --runtime-only && rm -rf /var/lib/apt/lists/*
# Nothing runs as root: one unprivileged user owns the data volume.
RUN groupadd --system --gid 10001 imchat && \
    useradd --system --uid 10001 --gid imchat --home-dir /var/lib/imchat --shell /usr/sbin/nologin imchat && \
    mkdir -p /usr/lib/imchat /etc/imchat /var/lib/imchat && \
    chown imchat:imchat /var/lib/imchat
COPY --from=build /src/build-image/auth-service/imchat_auth.so /usr/lib/imchat/imchat_auth.so
COPY --from=build /src/build-image/auth-service/imchat-service /usr/bin/imchat-service
COPY mosquitto.conf /etc/imchat/mosquitto.conf
COPY docker/entrypoint-broker docker/entrypoint-service docker/healthcheck-broker \
     docker/healthcheck-service /usr/lib/imchat/
USER imchat
WORKDIR /var/lib/imchat
VOLUME /var/lib/imchat
EXPOSE 1883
CMD ["/usr/lib/imchat/entrypoint-broker"]
