#!/usr/bin/env bash
# Runs the groups of the ceph project's S3 conformance suite (https://github.com/ceph/s3-tests) that Vigil's
# S3 subset covers, against a fresh Vigil, and prints pass/fail per group. Nothing is fetched at run time:
#
#   git clone https://github.com/ceph/s3-tests /somewhere/s3-tests && git -C /somewhere/s3-tests checkout $S3TESTS_COMMIT
#   npm run build && S3TESTS_DIR=/somewhere/s3-tests bench/s3-tests.sh [group ...]
#
# S3TESTS_VERBOSE=1 lists each failing test; S3TESTS_LOGS=<dir> keeps each group's pytest output there.
# Needs Debian's python3-pytest python3-boto3 python3-munch python3-isodate python3-tz python3-lxml
# python3-dateutil python3-requests python3-httplib2 python3-yaml. Not part of npm test (it takes minutes).
# The figures in the README's compatibility section come from this script at the commit below.
set -euo pipefail

S3TESTS_COMMIT=8f0ae7b404a3a2fcf7038bf1e6bf29544fe9b6a3
REPO=$(cd "$(dirname "$0")/.." && pwd)
VIGIL_MAIN=${VIGIL_MAIN:-$REPO/dist/src/cli/main.js}
# Debian's interpreter, whose packages the suite uses (not a pyenv or venv python3 earlier in PATH).
PYTHON=${PYTHON:-/usr/bin/python3}

# The selection: pytest -k expressions over s3tests/functional/test_s3.py, one per group.
declare -A GROUPS_K=(
  [list]='test_bucket_list_ or test_bucket_listv2_'
  [multipart]='multipart and not sse_c and not encryption_sse_c and not sse_kms and not sse_s3 and not versioning and not versioned and not lifecycle and not object_lock and not policy and not logging and not post_object'
  [object-rw]='test_object_write or test_object_read or test_object_set_get or test_object_head or test_object_metadata or test_object_content_encoding or test_put_object_if or test_get_object_if or test_object_checksum or test_atomic_read or test_atomic_write or test_atomic_dual_write or test_atomic_conditional or test_atomic_dual_conditional'
  [copy]='test_object_copy_ or test_copy_object_'
  [ranged]='test_ranged_'
  [multi-delete]='test_multi_object_delete or test_multi_objectv2_delete'
  [sse-kms]='test_sse_kms_ and not post_object'
  [sse-s3]='test_sse_s3_ and not post_object'
  [bucket-encryption]='test_put_bucket_encryption or test_get_bucket_encryption or test_delete_bucket_encryption'
  [bucket-basics]='test_bucket_create_delete or test_bucket_head or test_list_buckets or test_bucket_list_empty or test_bucket_create_exists or test_bucket_create_naming'
  [versioning]='(test_versioning_ or test_versioned_ or test_delete_marker_) and not lifecycle and not object_lock and not logging'
  [sse-c]='sse_c and not post_object and not policy'
  [lifecycle]='lifecycle and not cloud and not test_delete_marker_expiration'
  [lifecycle-expiration]='lifecycle and not cloud'
)
# Tests of Ceph RGW's own extensions (marked fails_on_aws: AWS S3 fails them too) are left out. The exception is
# lifecycle-expiration: the suite's tests that wait for rules to be applied, which RGW marks fails_on_aws because
# they need a shortened lifecycle day (RGW's rgw_lc_debug_interval); Vigil has the same knob
# (VIGIL_LIFECYCLE_DAY_SECONDS), set for that group's own Vigil to the suite's lc_debug_interval (LC_DAY_SECONDS,
# default 4). Transitions need storage classes, which Vigil does not have.
MARKERS='not fails_on_aws'
declare -A GROUP_MARKERS=([lifecycle-expiration]='lifecycle_expiration and (fails_on_aws or delete_marker)')
LC_DAY_SECONDS=${LC_DAY_SECONDS:-4}
ORDER=(list multipart object-rw copy ranged multi-delete sse-kms sse-s3 bucket-encryption bucket-basics versioning sse-c lifecycle lifecycle-expiration)

if [[ -z "${S3TESTS_DIR:-}" || ! -f "$S3TESTS_DIR/s3tests/functional/test_s3.py" ]]; then
  echo "Set S3TESTS_DIR to a checkout of https://github.com/ceph/s3-tests (commit $S3TESTS_COMMIT)." >&2
  exit 2
fi
if [[ ! -f "$VIGIL_MAIN" ]]; then
  echo "Build Vigil first (npm run build), or set VIGIL_MAIN to its dist/src/cli/main.js." >&2
  exit 2
fi
if actual=$(git -C "$S3TESTS_DIR" rev-parse HEAD 2>/dev/null) && [[ "$actual" != "$S3TESTS_COMMIT" ]]; then
  echo "note: $S3TESTS_DIR is at $actual, the recorded figures are for $S3TESTS_COMMIT" >&2
fi
"$PYTHON" -c 'import pytest, boto3, munch, isodate, pytz, lxml, dateutil, requests, httplib2, yaml' 2>/dev/null || {
  echo "Install: apt-get install python3-pytest python3-boto3 python3-munch python3-isodate python3-tz python3-lxml python3-dateutil python3-requests python3-httplib2 python3-yaml" >&2
  exit 2
}

WORK=$(mktemp -d)
VIGIL_PID=
stop_vigil() {
  if [[ -n "$VIGIL_PID" ]]; then
    kill "$VIGIL_PID" 2>/dev/null || true
    wait "$VIGIL_PID" 2>/dev/null || true
    VIGIL_PID=
  fi
}
cleanup() {
  stop_vigil
  rm -rf "$WORK"
}
trap cleanup EXIT

# Starts a fresh Vigil (data directory $WORK/data-<name>) and writes the suite's config for it; with a second
# argument, a lifecycle "day" of that many seconds, swept every half second.
start_vigil() {
  local day=()
  if [[ -n "${2:-}" ]]; then day=(VIGIL_LIFECYCLE_DAY_SECONDS="$2" VIGIL_LIFECYCLE_SWEEP_SECONDS=0.5); fi
  PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATA=$WORK/data-$1
  env "${day[@]}" node "$VIGIL_MAIN" serve --data-dir "$DATA" --port "$PORT" --log-level warn >"$WORK/vigil.log" 2>&1 &
  VIGIL_PID=$!
  for _ in $(seq 1 120); do
    if [[ -f "$DATA/credentials" ]] && "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null; then break; fi
    kill -0 "$VIGIL_PID" 2>/dev/null || { cat "$WORK/vigil.log" >&2; exit 1; }
    sleep 0.5
  done
  KEY_ID=$(sed -n 's/^aws_access_key_id = //p' "$DATA/credentials")
  SECRET=$(sed -n 's/^aws_secret_access_key = //p' "$DATA/credentials")

  # Two customer keys for the SSE-KMS tests (kms_keyid, kms_keyid2), made through Vigil's KMS API, and the
  # account's canonical user id (the suite compares the Owner of buckets, objects and ACLs with user_id).
  read -r KMS1 KMS2 OWNER_ID < <("$PYTHON" - "$PORT" "$KEY_ID" "$SECRET" <<'EOF'
import sys, boto3, urllib3
urllib3.disable_warnings()
port, key, secret = sys.argv[1:4]
kms = boto3.client('kms', endpoint_url=f'https://127.0.0.1:{port}', region_name='us-east-1', aws_access_key_id=key, aws_secret_access_key=secret, verify=False)
keys = [kms.create_key(Description=f's3-tests {i}')['KeyMetadata']['KeyId'] for i in (1, 2)]
s3 = boto3.client('s3', endpoint_url=f'https://127.0.0.1:{port}', region_name='us-east-1', aws_access_key_id=key, aws_secret_access_key=secret, verify=False)
print(' '.join(keys), s3.list_buckets()['Owner']['ID'])
EOF
  )

  # One account: every user of the suite is the installation's root key (tests that need a second account fail).
  cat >"$WORK/s3tests.conf" <<EOF
[DEFAULT]
host = 127.0.0.1
port = $PORT
is_secure = True
ssl_verify = False

[fixtures]
bucket prefix = s3t-{random}-

[s3 main]
display_name = vigil
user_id = $OWNER_ID
email = vigil@example.com
api_name = default
access_key = $KEY_ID
secret_key = $SECRET
kms_keyid = $KMS1
kms_keyid2 = $KMS2
lc_debug_interval = $LC_DAY_SECONDS

[s3 alt]
display_name = vigil
user_id = $OWNER_ID
email = vigil@example.com
access_key = $KEY_ID
secret_key = $SECRET

[s3 tenant]
display_name = vigil
user_id = $OWNER_ID
email = vigil@example.com
tenant = vigil
access_key = $KEY_ID
secret_key = $SECRET

[iam]
display_name = vigil
user_id = $OWNER_ID
email = vigil@example.com
access_key = $KEY_ID
secret_key = $SECRET

[iam root]
user_id = $OWNER_ID
email = vigil@example.com
access_key = $KEY_ID
secret_key = $SECRET

[iam alt root]
user_id = $OWNER_ID
email = vigil@example.com
access_key = $KEY_ID
secret_key = $SECRET
EOF
}

selected=("${@:-${ORDER[@]}}")
total_pass=0
total_tests=0
printf '%-18s %s\n' group 'pass / tests'
running=
for group in "${selected[@]}"; do
  expression=${GROUPS_K[$group]:?unknown group $group (one of: ${ORDER[*]})}
  # lifecycle-expiration gets a Vigil of its own with the short lifecycle day; every other group shares one with real days.
  wanted=main
  if [[ $group == lifecycle-expiration ]]; then wanted=short-day; fi
  if [[ $running != "$wanted" ]]; then
    stop_vigil
    if [[ $wanted == short-day ]]; then start_vigil "$wanted" "$LC_DAY_SECONDS"; else start_vigil "$wanted"; fi
    running=$wanted
  fi
  report="$WORK/$group.xml"
  (cd "$S3TESTS_DIR" && S3TEST_CONF="$WORK/s3tests.conf" "$PYTHON" -m pytest -q -p no:cacheprovider s3tests/functional/test_s3.py -m "${GROUP_MARKERS[$group]:-$MARKERS}" -k "$expression" \
    --junitxml="$report" >"$WORK/$group.log" 2>&1) || true
  read -r tests failed errors skipped < <("$PYTHON" - "$report" <<'EOF'
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == 'testsuite' else suite.find('testsuite')
print(suite.get('tests'), suite.get('failures'), suite.get('errors'), suite.get('skipped'))
EOF
  )
  run=$((tests - skipped))
  passed=$((run - failed - errors))
  total_pass=$((total_pass + passed))
  total_tests=$((total_tests + run))
  printf '%-18s %s / %s\n' "$group" "$passed" "$run"
  if [[ -n "${S3TESTS_LOGS:-}" ]]; then mkdir -p "$S3TESTS_LOGS" && cp "$WORK/$group.log" "$S3TESTS_LOGS/"; fi
  if [[ -n "${S3TESTS_VERBOSE:-}" ]]; then grep -E '^(FAILED|ERROR) ' "$WORK/$group.log" | sed 's/^/    /' || true; fi
done
printf '%-18s %s / %s\n' total "$total_pass" "$total_tests"
