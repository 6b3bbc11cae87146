#!/usr/bin/env bash
# Rejects an image namespace or tag that Docker would refuse, with one line naming the variable.
# usage: check-image-names.sh DOCKER_NAMESPACE TAG
set -Eeuo pipefail

namespace=${1-}
tag=${2-}
# Docker's reference grammar: an optional registry host[:port], then lowercase path components.
component='[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*'
host='([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]+)?'
if ! [[ $namespace =~ ^(${host}/)?${component}(/${component})*$ ]]; then
  echo "DOCKER_NAMESPACE='$namespace': expected [registry-host[:port]/]lowercase-path, e.g. 127.0.0.1:5000/python-compat" >&2
  exit 2
fi
if ! [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "TAG='$tag': expected 1-128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'" >&2
  exit 2
fi
