# nginx for the benchmarks (source it): a foreground master whose PID is the caller's to
# stop, every path under DIR, `worker_processes 2`, no access log, answering /hello with a
# 13-byte body from its configuration.
#   write_nginx_conf DIR PORT   writes DIR/nginx.conf and sets NGINX_CMD, the command (an
#                               array) that runs it in the foreground ($NGINX or nginx)
write_nginx_conf() {
  local dir=$1 port=$2
  mkdir -p "$dir/tmp"
  cat > "$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    location = /hello { default_type text/plain; return 200 "Hello, world!"; }
  }
}
CONF
  NGINX_CMD=("${NGINX:-nginx}" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;')
}
