# syntax=docker/dockerfile:1
# Sundown, the store complaint-desk bot: a slim image that runs as a non-root user, keeps its data
# in the /data volume and reads its config from /etc/sundown/config.toml (data_dir = "/data").
# The token comes from TELEGRAM_BOT_TOKEN, or from the file named by TELEGRAM_BOT_TOKEN_FILE.
#
#   docker build -t sundown .
#   docker compose up -d          # see compose.yaml and deploy/README.md
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/sundown
COPY . /src
RUN /opt/sundown/bin/pip install /src
# Smoke test of what `pip install .` gave (run from /, so not from /src): the console script, the
# catalogs, a CJK font for the chart.
WORKDIR /
RUN MPLCONFIGDIR="$(mktemp -d)" && export MPLCONFIGDIR \
    && /opt/sundown/bin/sundown --help >/dev/null \
    && /opt/sundown/bin/python -c "from desk import chart; from desk.i18n import translator; \
[translator(lang) for lang in ('zh_CN', 'zh_TW', 'en')]; \
assert chart.has_glyphs(chart.cjk_font_path(), '投诉投訴')" \
    && rm -rf "$MPLCONFIGDIR"

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 sundown \
    && useradd --system --uid 10001 --gid sundown --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin sundown \
    && install -d -o sundown -g sundown -m 0750 /data \
    && install -d -m 0755 /etc/sundown
COPY --from=build /opt/sundown /opt/sundown
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/opt/sundown/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# `sundown status` exits non-zero when the bot's heartbeat in the data dir is stale.
HEALTHCHECK --interval=1m --timeout=15s --start-period=2m --retries=3 \
    CMD ["sundown", "status", "--config", "/etc/sundown/config.toml"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["sundown", "run", "--config", "/etc/sundown/config.toml"]
