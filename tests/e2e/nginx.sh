#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# nginx on loopback for end-to-end tests and the demo, exactly as a CDN or an
# object store would serve a repository: static files over HTTP and HTTPS
# (Range, ETag, 304), WebDAV PUT for uploads, and a few crafted failure
# locations. Everything (config, pid, logs, temp dirs, TLS material) lives
# under DIR; nothing outside it is touched, and nginx runs as the current user.
#
#   nginx.sh start DIR [DOCROOT]   start; writes DIR/env (shell variables below)
#   nginx.sh stop DIR              stop the nginx started for DIR (by its pid)
#
# DIR/env defines:
#   IOTL_E2E_HTTP   http://127.0.0.1:PORT      (static root, /upload/ accepts PUT)
#   IOTL_E2E_HTTPS  https://127.0.0.1:PORT     (same server, TLS)
#   IOTL_E2E_RAW    http://127.0.0.1:PORT      (stream server: announces 1000 bytes, sends 16)
#   IOTL_E2E_CLOSED http://127.0.0.1:PORT      (nothing listens there)
#   IOTL_E2E_CA     PEM of the test CA that signed the server certificate
#   IOTL_E2E_OTHER_CA, IOTL_E2E_CLIENT_CERT, IOTL_E2E_CLIENT_KEY   an unrelated CA; a client cert
#   IOTL_E2E_ROOT   the document root
#
# Locations besides static files under the root:
#   /upload/...   PUT (create_full_put_path), GET back
#   /err/404 /err/500 /err/503 /err/418   those statuses
#   /err/502      proxy_pass to a closed port
#   /loop         redirects to itself;  /redir -> /pub/blob.bin
#   /norange/X    /pub/X with Range disabled (answers 200 to ranged requests)
#   /mtls/X       /pub/X over HTTPS only with a client certificate from the CA (else 403)
#   /gen/chunked  200000 bytes of "x", chunked (no Content-Length) [echo module]
#   /gen/slow     answers after 1 s [echo module]
set -euo pipefail

NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
MODDIR="${IOTL_NGINX_MODULES:-/usr/lib/nginx/modules}"

die() { echo "nginx.sh: $*" >&2; exit 1; }

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

make_tls() {
  local d="$1/tls"
  [ -f "$d/server.pem" ] && return 0
  mkdir -p "$d"
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$d/ca.key" -sha256 -days 2 -subj "/CN=iotlife test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$d/ca.pem" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/server.key" 2>/dev/null
  openssl req -new -key "$d/server.key" -subj "/CN=127.0.0.1" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
    >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
  # A client certificate from the same CA (mutual TLS under /mtls/).
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/client.key" 2>/dev/null
  openssl req -new -key "$d/client.key" -subj "/CN=device-1" -out "$d/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >"$d/client.ext"
  openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$d/client.ext" -out "$d/client.pem" 2>/dev/null
  # A second, unrelated CA: TLS must fail when only this one is trusted.
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/other-ca.key" 2>/dev/null
  openssl req -x509 -new -key "$d/other-ca.key" -sha256 -days 2 -subj "/CN=some other CA" \
    -out "$d/other-ca.pem" 2>/dev/null
}

start_once() {
  local dir="$1" root="${2:-$1/www}"
  [ -x "$NGINX" ] || die "nginx not found (apt-get install nginx-light)"
  mkdir -p "$dir" "$root"
  dir="$(cd "$dir" && pwd)"; root="$(cd "$root" && pwd)"
  if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
    die "already running for $dir"
  fi
  mkdir -p "$dir/logs" "$dir/tmp/body" "$dir/tmp/proxy" "$dir/tmp/fastcgi" "$dir/tmp/uwsgi" \
    "$dir/tmp/scgi" "$root/upload"
  make_tls "$dir"
  local http https raw closed
  http=$(free_port); https=$(free_port); raw=$(free_port); closed=$(free_port)
  local user_line="" load="" stream="" echo_locs=""
  if [ "$(id -u)" -eq 0 ]; then user_line="user $(id -un) $(id -gn);"; fi
  if [ -f "$MODDIR/ngx_http_echo_module.so" ]; then
    load+="load_module $MODDIR/ngx_http_echo_module.so;"$'\n'
    echo_locs="location = /gen/chunked { default_type application/octet-stream; echo_duplicate 200000 \"x\"; }
        location = /gen/slow { echo_sleep 1; echo \"late\"; }"
  fi
  if [ -f "$MODDIR/ngx_stream_module.so" ]; then
    load+="load_module $MODDIR/ngx_stream_module.so;"$'\n'
    stream="stream {
    server {
        listen 127.0.0.1:$raw;
        # Read the request first (the preread phase consumes it), so closing
        # after the short answer is a clean FIN, not a reset.
        ssl_preread on;
        preread_timeout 5s;
        return \"HTTP/1.1 200 OK\\r\\nContent-Type: application/octet-stream\\r\\nContent-Length: 1000\\r\\nConnection: close\\r\\n\\r\\nonly-sixteen-byt\";
    }
}"
  fi
  cat >"$dir/nginx.conf" <<CONF
# generated by tests/e2e/nginx.sh
$load
$user_line
daemon on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 128; }
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    types { application/json json; application/jose jws; text/plain txt; application/octet-stream bin; }
    default_type application/octet-stream;
    sendfile on;
    etag on;
    server_tokens off;
    server {
        listen 127.0.0.1:$http;
        listen 127.0.0.1:$https ssl;
        server_name localhost;
        ssl_certificate $dir/tls/server.pem;
        ssl_certificate_key $dir/tls/server.key;
        ssl_client_certificate $dir/tls/ca.pem;
        ssl_verify_client optional;
        root $root;
        location / { }
        location /upload/ {
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            client_max_body_size 4m;
        }
        location = /err/404 { return 404; }
        location = /err/500 { return 500; }
        location = /err/503 { return 503; }
        location = /err/418 { return 418; }
        location = /err/502 { proxy_pass http://127.0.0.1:$closed; }
        location = /loop { return 302 /loop; }
        location = /redir { return 302 /pub/blob.bin; }
        location /norange/ { alias $root/pub/; max_ranges 0; }
        location /mtls/ {
            alias $root/pub/;
            if (\$ssl_client_verify != SUCCESS) { return 403; }
        }
        $echo_locs
    }
}
$stream
CONF
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" -t -q \
    || die "bad generated config ($dir/nginx.conf): $(tail -n 3 "$dir/logs/error.log")"
  if ! "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"; then
    if grep -q "Address already in use" "$dir/logs/error.log" 2>/dev/null; then
      return 75 # a port picked above was taken meanwhile: try other ports
    fi
    die "nginx did not start: $(tail -n 3 "$dir/logs/error.log")"
  fi
  local i
  for i in $(seq 1 100); do
    if [ -s "$dir/nginx.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$http") 2>/dev/null; then
      break
    fi
    sleep 0.05
  done
  [ -s "$dir/nginx.pid" ] || die "nginx wrote no pid file"
  cat >"$dir/env" <<ENV
IOTL_E2E_HTTP=http://127.0.0.1:$http
IOTL_E2E_HTTPS=https://127.0.0.1:$https
IOTL_E2E_RAW=http://127.0.0.1:$raw
IOTL_E2E_CLOSED=http://127.0.0.1:$closed
IOTL_E2E_CA=$dir/tls/ca.pem
IOTL_E2E_OTHER_CA=$dir/tls/other-ca.pem
IOTL_E2E_CLIENT_CERT=$dir/tls/client.pem
IOTL_E2E_CLIENT_KEY=$dir/tls/client.key
IOTL_E2E_ROOT=$root
IOTL_E2E_ECHO=$([ -n "$echo_locs" ] && echo 1 || echo 0)
IOTL_E2E_STREAM=$([ -n "$stream" ] && echo 1 || echo 0)
export IOTL_E2E_HTTP IOTL_E2E_HTTPS IOTL_E2E_RAW IOTL_E2E_CLOSED IOTL_E2E_CA IOTL_E2E_OTHER_CA IOTL_E2E_ROOT IOTL_E2E_ECHO IOTL_E2E_STREAM
export IOTL_E2E_CLIENT_CERT IOTL_E2E_CLIENT_KEY
ENV
}

start() {
  local i rc
  for i in 1 2 3 4 5; do
    rc=0
    start_once "$@" || rc=$?
    [ "$rc" -ne 75 ] && return "$rc"
    echo "nginx.sh: a port was taken, retrying ($i)" >&2
  done
  die "no free ports after 5 attempts"
}

stop() {
  local dir="$1" pid i
  [ -f "$dir/nginx.pid" ] || return 0
  pid="$(cat "$dir/nginx.pid" 2>/dev/null || true)"
  [ -n "$pid" ] || return 0
  # Only the master we started, by its id; it takes its workers down.
  if kill -0 "$pid" 2>/dev/null; then
    kill -QUIT "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/nginx.pid"
}

case "${1:-}" in
  start) [ $# -ge 2 ] || die "usage: nginx.sh start DIR [DOCROOT]"; start "$2" "${3:-}" ;;
  stop) [ $# -ge 2 ] || die "usage: nginx.sh stop DIR"; stop "$2" ;;
  *) die "usage: nginx.sh start|stop DIR [DOCROOT]" ;;
esac
