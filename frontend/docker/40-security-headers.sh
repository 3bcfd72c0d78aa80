#!/bin/sh
# Start-up hook of the nginx image (/docker-entrypoint.d/, run before nginx starts): turns this
# deployment's /config.json, written by the setup step, into the security headers nginx.conf
# includes in every location. A configuration it cannot read or trust stops the container.
set -eu

config=${APP_CONFIG_FILE:-/config/public/config.json}
out=${SECURITY_HEADERS_CONF:-/etc/nginx/security-headers.conf}

headers=$(security-headers.sh "$config")
printf '%s\n' "$headers" |
  sed 's/^\([A-Za-z-]*\): \(.*\)$/add_header \1 "\2" always;/' >"$out.tmp"
mv "$out.tmp" "$out"
echo "$0: wrote $out for $config"
