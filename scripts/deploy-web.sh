#!/usr/bin/env bash
# Puts the front ends (web/) in the stack's WebBucket, where CloudFront serves them:
#   scripts/deploy-web.sh <bucket>        (the stack's output WebBucketName)
# Each page also at its address without `.html` (CloudFront serves keys as they are), every file
# with `Cache-Control: no-cache` so phones revalidate and get a new version at once. Needs the
# AWS CLI and credentials for the bucket.
set -euo pipefail
cd "$(dirname "$0")/../web"
bucket="${1:?usage: deploy-web.sh <bucket>}"
type_of() {
    case "$1" in
        *.html) echo "text/html; charset=utf-8" ;;
        *.js) echo "text/javascript; charset=utf-8" ;;
        *.css) echo "text/css; charset=utf-8" ;;
        *.json) echo "application/json" ;;
        *) echo "application/octet-stream" ;;
    esac
}
put() { # file key
    aws s3 cp "$1" "s3://$bucket/$2" --content-type "$(type_of "$1")" --cache-control no-cache --only-show-errors
}
find . -type f ! -name '*.md' ! -name 'LICENSE*' | sed 's|^\./||' | while read -r file; do
    put "$file" "$file"
done
# The pages at their addresses (file:address), as `guichet serve` answers them.
for page in console.html:console verifier.html:verifier verifier.html:verify; do
    put "${page%%:*}" "${page##*:}"
done
