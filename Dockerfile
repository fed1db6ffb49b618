# Build: the static binary.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X iysgate/app/cli.Version=${VERSION}" -o /out/iysgate .

# Run: the binary and PostgreSQL's server programs for the private cluster
# (or set DATABASE_URL to use an external server).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/iysgate --create-home iysgate \
 && mkdir -p /var/lib/iysgate/data && chown iysgate:iysgate /var/lib/iysgate/data
COPY --from=build /out/iysgate /usr/local/bin/iysgate
USER iysgate
ENV IYSGATE_DATA_DIR=/var/lib/iysgate/data \
    IYSGATE_ADDR=0.0.0.0:8080
VOLUME /var/lib/iysgate/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/iysgate"]
CMD ["serve"]
