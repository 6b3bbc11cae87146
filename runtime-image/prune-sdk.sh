#!/bin/sh
# Removes what the App Engine SDK wheel bundles that no python27 runtime needs: its six Django copies (241 MB),
# the PHP runtime, demos and project templates, and the SDK's own unit tests. devappserver2's php/ and go/
# packages stay: the API server imports their factories.
# usage: prune-sdk.sh SDK_ROOT   (the directory holding google/, lib/ and api_server.py)
set -eu
sdk=${1:?usage: prune-sdk.sh SDK_ROOT}
[ -f "$sdk/api_server.py" ] || { echo "prune-sdk: $sdk does not look like the App Engine SDK root" >&2; exit 1; }
rm -rf "$sdk"/lib/django-* "$sdk/php" "$sdk/demos" "$sdk/new_project_template"
find "$sdk" -name '*_test.py' -type f -delete
# Byte code for the SDK's bundled third-party copies: tens of MB for modules most apps never import.
find "$sdk/lib" -name '*.pyc' -type f -delete
