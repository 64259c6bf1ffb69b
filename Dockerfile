# A small static image of statusinator: build on Alpine (musl, so the binary links statically),
# run from scratch with only the CA certificates beside it.
#
#   docker build -t statusinator .
#   docker run --env-file /etc/statusinator/env -v statusinator:/data -p 3000:3000 statusinator
#
# serve listens on 0.0.0.0:3000 by its flag, which beats STATUSINATOR_LISTEN from an env file.

FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev gcc g++ make cmake perl ca-certificates
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY tests ./tests
RUN cargo build --release --locked --bin statusinator \
 && strip target/release/statusinator

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/target/release/statusinator /usr/local/bin/statusinator
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# The local store, when no s3:// store is set: mount a volume here.
WORKDIR /data
USER 65534:65534
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/statusinator"]
CMD ["serve", "--listen", "0.0.0.0:3000"]
