#!/usr/bin/env bash
# Benchmark `feedwright serve` against nginx serving the `build` output with
# gzip_static and etags, in the same run, then measure the server's peak memory
# on a synthetic 100,000-post corpus.
#
#   bench/serve.sh            # everything (installs wrk and nginx with apt if missing)
#   SKIP_MEMORY=1 bench/serve.sh    SKIP_HTTP=1 bench/serve.sh
#
# HTTP: wrk, 64 connections for 10 s, against /rss.xml of the bundled example site:
#   - the 200 path, with Accept-Encoding: gzip (both servers send the stored .gz body)
#   - the 304 path, with If-None-Match: <the gzip body's ETag>
# and prints requests/s and latency percentiles for both servers.
# Memory: builds the corpus (or uses CORPUS=DIR), starts `serve --watch` on it,
# fetches feeds, touches a post to force one rebuild (old and new sets both alive),
# and prints the peak resident set size (VmHWM).
# Figures are only comparable within one run on one machine: wrk, nginx and
# feedwright share the same cores.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-64}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
FW_PORT=${FW_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
MEM_PORT=${MEM_PORT:-18082}
POSTS=${POSTS:-100000}

WORK=$(mktemp -d /tmp/feedwright-bench.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -f "$WORK/nginx/nginx.pid" ]; then kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

need() { # command, Debian package
    command -v "$1" >/dev/null 2>&1 && return
    echo "installing $2..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

wait_up() { # url, seconds
    for _ in $(seq 1 $(($2 * 10))); do
        curl -sf -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "error: $1 did not come up" >&2
    return 1
}

header() { # url, header name, extra curl args...
    local url=$1 name=$2; shift 2
    curl -s -o /dev/null -D - "$@" "$url" | tr -d '\r' |
        awk -v n="$(echo "$name" | tr 'A-Z' 'a-z')" 'tolower($1)==n":" {sub(/^[^:]*: /, ""); print}'
}

echo "== building feedwright (release)" >&2
cargo build --release --quiet --bin feedwright
BIN=$PWD/target/release/feedwright

ROWS=()
bench() { # server, path label, url, wrk args...
    local server=$1 label=$2 url=$3; shift 3
    local out
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
    local rps p50 p75 p90 p99 bad
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p75=$(awk '$1=="75%" {print $2}' <<<"$out")
    p90=$(awk '$1=="90%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx or 3xx/ {print $NF} /Socket errors/ {print "sock:" $0}' <<<"$out" | paste -sd' ')
    ROWS+=("$(printf '%-11s %-10s %12s %9s %9s %9s %9s  %s' "$server" "$label" "$rps" "$p50" "$p75" "$p90" "$p99" "${bad:-}")")
    echo "$server $label: $rps req/s, p99 $p99" >&2
}

if [ -z "${SKIP_HTTP:-}" ]; then
    need wrk wrk
    need nginx nginx

    echo "== building the example site's feeds" >&2
    "$BIN" build --config feedwright.yaml --out "$WORK/feeds" --quiet || true
    find "$WORK/feeds" -type f \( -name '*.xml' -o -name '*.opml' -o -name '*.html' \) \
        -exec gzip -9 -k -n {} \;

    mkdir -p "$WORK/nginx/logs"
    cat >"$WORK/nginx/nginx.conf" <<CONF
user root;
worker_processes $THREADS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 10000000;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    types { text/html html; text/x-opml opml; }
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/rss+xml application/atom+xml text/x-opml;
    etag on;
    gzip_static on;
    gzip_vary on;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/feeds;
        add_header Cache-Control "public, max-age=300";
        location ~ /rss\.xml\$ { default_type application/rss+xml; }
        location ~ /atom\.xml\$ { default_type application/atom+xml; }
    }
}
CONF
    nginx -t -q -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf"
    nginx -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf"

    "$BIN" serve --config feedwright.yaml --addr "127.0.0.1:$FW_PORT" 2>"$WORK/serve.log" &
    PIDS+=($!)

    FW_URL="http://127.0.0.1:$FW_PORT/rss.xml"
    NGINX_URL="http://127.0.0.1:$NGINX_PORT/rss.xml"
    wait_up "$FW_URL" 60
    wait_up "$NGINX_URL" 10

    for pair in "feedwright $FW_URL" "nginx $NGINX_URL"; do
        set -- $pair
        enc=$(header "$2" content-encoding -H 'Accept-Encoding: gzip')
        etag=$(header "$2" etag -H 'Accept-Encoding: gzip')
        code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag" "$2")
        echo "$1: Content-Encoding=$enc ETag=$etag conditional GET -> $code" >&2
        if [ "$enc" != gzip ] || [ "$code" != 304 ]; then
            echo "error: $1 does not serve gzip with a working ETag" >&2
            exit 1
        fi
        eval "ETAG_$1='$etag'"
    done

    echo "== wrk: $CONNS connections, $DURATION, $THREADS threads" >&2
    bench feedwright "200 gzip" "$FW_URL" -H 'Accept-Encoding: gzip'
    bench nginx "200 gzip" "$NGINX_URL" -H 'Accept-Encoding: gzip'
    bench feedwright "304" "$FW_URL" -H 'Accept-Encoding: gzip' -H "If-None-Match: $ETAG_feedwright"
    bench nginx "304" "$NGINX_URL" -H 'Accept-Encoding: gzip' -H "If-None-Match: $ETAG_nginx"

    echo
    echo "GET /rss.xml of the example site ($(wc -c <"$WORK/feeds/rss.xml") bytes, gzip $(wc -c <"$WORK/feeds/rss.xml.gz") bytes); $CONNS connections, $DURATION, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-11s %-10s %12s %9s %9s %9s %9s  %s\n' server path "requests/s" p50 p75 p90 p99 errors
    printf '%s\n' "${ROWS[@]}"
    kill "${PIDS[0]}" 2>/dev/null || true
fi

if [ -z "${SKIP_MEMORY:-}" ]; then
    CORPUS=${CORPUS:-$WORK/corpus}
    if [ ! -d "$CORPUS" ]; then
        echo "== writing a synthetic corpus of $POSTS posts to $CORPUS" >&2
        mkdir -p "$CORPUS"
        for d in $(seq -w 0 99); do mkdir -p "$CORPUS/$d"; done
        awk -v n="$POSTS" -v dir="$CORPUS" 'BEGIN {
            body = ""
            for (p = 1; p <= 6; p++)
                body = body "Paragraph " p " of this post, with **bold** words, a [link](https://example.org/page/" p ") and enough plain text to make it as long as a short news item usually is.\n\n"
            body = body "![A chart](https://example.org/img/chart.png)\n"
            for (i = 1; i <= n; i++) {
                f = sprintf("%s/%02d/post-%06d.md", dir, i % 100, i)
                year = 2010 + int(i / 10001); month = 1 + int(i / 800) % 12; day = 1 + int(i / 29) % 28
                printf "---\ntitle: Synthetic post %d\ndate: %04d-%02d-%02dT%02d:%02d:%02dZ\ncategories: [Topic %d, Sub %d]\ntags: [t%d]\n---\n%s", \
                    i, year, month, day, i % 24, i % 60, (i * 7) % 60, i % 50, i % 7, i % 200, body > f
                close(f)
            }
        }'
    fi
    echo "== serving the corpus" >&2
    start=$(date +%s.%N)
    "$BIN" serve --posts "$CORPUS" --base-url https://news.example.com/ --watch \
        --addr "127.0.0.1:$MEM_PORT" 2>"$WORK/mem.log" &
    MEM_PID=$!
    PIDS+=($MEM_PID)
    wait_up "http://127.0.0.1:$MEM_PORT/healthz" 900
    ready=$(date +%s.%N)
    for path in rss.xml atom.xml feeds.opml index.html categories/topic-7/sub-3/rss.xml; do
        curl -sf -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$MEM_PORT/$path"
    done
    # One rebuild while serving: the old and the new set are alive at once.
    touch "$CORPUS/00/post-000100.md"
    for _ in $(seq 1 9000); do
        curl -sf "http://127.0.0.1:$MEM_PORT/healthz" | grep -q '"builds": 2' && break
        sleep 0.1
    done
    health=$(curl -sf "http://127.0.0.1:$MEM_PORT/healthz" | tr -d '\n ')
    peak=$(awk '/^VmHWM/ {print $2}' "/proc/$MEM_PID/status")
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$MEM_PID/status")
    kill -TERM "$MEM_PID"
    wait "$MEM_PID" || true
    echo
    echo "corpus: $(find "$CORPUS" -type f | wc -l) posts; first build and ready in $(awk -v a="$start" -v b="$ready" 'BEGIN {printf "%.1f", b - a}') s"
    echo "healthz after one rebuild: $health"
    echo "peak memory (VmHWM): $((peak / 1024)) MB; resident now: $((rss / 1024)) MB"
fi
