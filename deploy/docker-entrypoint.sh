#!/bin/sh
# The image's entrypoint: reads the bot token from a file (a Docker or Kubernetes secret) when
# TELEGRAM_BOT_TOKEN_FILE names one, then runs the command (by default `sundown run ...`).
set -eu
if [ -n "${TELEGRAM_BOT_TOKEN_FILE:-}" ]; then
    if [ ! -r "$TELEGRAM_BOT_TOKEN_FILE" ]; then
        echo "TELEGRAM_BOT_TOKEN_FILE=$TELEGRAM_BOT_TOKEN_FILE is not readable by uid $(id -u)" >&2
        exit 2
    fi
    TELEGRAM_BOT_TOKEN="$(cat "$TELEGRAM_BOT_TOKEN_FILE")"
    export TELEGRAM_BOT_TOKEN
    unset TELEGRAM_BOT_TOKEN_FILE
fi
exec "$@"
