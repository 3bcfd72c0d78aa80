#!/bin/sh
# Prints the security headers the SPA is served with, one "Name: value" a line, for the runtime
# configuration in $1 (the config.json the app reads). One policy, written once, for every server:
# nginx (40-security-headers.sh, at container start) and Vite's servers
# (vite-plugins/security-headers.ts, at server start).
#
# Content-Security-Policy: scripts, styles and the rest from the app's own origin only (no inline
# script, no eval); connections to the app itself (/config.json), the API and the issuer only
# (plus the token endpoint's origin when config.json carries the issuer's metadata); no framing.
# Extra sources for Vite's dev server come from EXTRA_SCRIPT_SRC, EXTRA_STYLE_SRC and
# EXTRA_CONNECT_SRC (unset in production).
set -eu

config=${1:?usage: security-headers.sh CONFIG_JSON}
[ -r "$config" ] || { echo "security-headers.sh: cannot read $config" >&2; exit 1; }

# A string value from config.json. Its writers (zitadel-setup, npm start) emit plain JSON with
# unique keys and URL values that need no escaping; anything else fails the origin check below.
value() {
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$config" | head -n 1
}

# scheme://host[:port] of a URL, refusing anything that could break out of the header.
origin() {
  found=$(printf '%s\n' "$2" | sed -n 's|^\(https\{0,1\}://[^/?#]*\).*|\1|p')
  if ! printf '%s\n' "$found" |
    grep -Eq '^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$'; then
    echo "security-headers.sh: $1 in $config is not an http(s) URL: '$2'" >&2
    exit 1
  fi
  printf '%s\n' "$found"
}

# Sources added for the dev server: no quote marks, semicolons or commas (they would end the
# directive or the header).
extra() {
  case "$2" in
    *[\"\;,]*)
      echo "security-headers.sh: $1 may not contain quotes, semicolons or commas" >&2
      exit 1
      ;;
  esac
  printf '%s' "${2:+ $2}"
}

api=$(origin apiBaseUrl "$(value apiBaseUrl)")
issuer=$(origin oidcAuthority "$(value oidcAuthority)")
token=$(value token_endpoint)
[ -z "$token" ] || token=$(origin oidcMetadata.token_endpoint "$token")
# Each origin once, in a stable order.
connect=$(printf '%s\n' "$api" "$issuer" ${token:+"$token"} | awk 'NF && !seen[$0]++' | tr '\n' ' ')

script_extra=$(extra EXTRA_SCRIPT_SRC "${EXTRA_SCRIPT_SRC:-}")
style_extra=$(extra EXTRA_STYLE_SRC "${EXTRA_STYLE_SRC:-}")
connect_extra=$(extra EXTRA_CONNECT_SRC "${EXTRA_CONNECT_SRC:-}")

printf '%s\n' "Content-Security-Policy: default-src 'none'; script-src 'self'$script_extra; style-src 'self'$style_extra; img-src 'self' data:; connect-src 'self' ${connect% }$connect_extra; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# The callback's address holds the authorization code: it is nobody else's business.
printf '%s\n' 'Referrer-Policy: no-referrer'
printf '%s\n' 'X-Content-Type-Options: nosniff'
