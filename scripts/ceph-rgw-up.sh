#!/usr/bin/env bash
# A single-node Ceph RGW (S3) on loopback, from Debian packages and without containers: 1 mon + 1 memstore
# OSD (RAM only, no disks: its objects are gone when it stops, and it holds at most 1 GiB) + radosgw (beast)
# serving HTTPS on 127.0.0.1:PORT with the given certificate, and one S3 user with the given key.
# The S3 object store tests start it (test/helpers/cephRgw.ts); the README's "Several nodes on one machine"
# uses it for a trial. For data that must last, deploy Ceph as its documentation says (cephadm, disks).
# Needs: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common
# Usage: ceph-rgw-up.sh DIR RGW_PORT MON_PORT CERT KEY ACCESS_KEY_ID SECRET_ACCESS_KEY   (DIR must not exist)
# The daemons run in the background, their PIDs in DIR/run/*.pid. To stop them: kill -9 $(cat DIR/run/*.pid)
# (the objects are in RAM anyway); with SIGTERM, the gateway and the OSD must go before the monitor, and
# the gateway may wait up to 120 s for the cluster as it stops.
# What Ceph stores: rados -c DIR/ceph.conf lspools, then export each pool.
set -euo pipefail
C=${1:?usage: ceph-rgw-up.sh DIR RGW_PORT MON_PORT CERT KEY ACCESS_KEY_ID SECRET_ACCESS_KEY}
PORT=${2:?}; MONPORT=${3:?}; CERT=${4:?}; KEY=${5:?}; ACCESS=${6:?}; SECRET=${7:?}
mkdir "$C" && mkdir "$C"/{run,log,mon.a,osd.0,rgw.a}
# Absolute: the daemons change to / once in the background.
C=$(realpath "$C"); CERT=$(realpath "$CERT"); KEY=$(realpath "$KEY")
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$C/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MONPORT
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms bind ipv6 = false
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = 1073741824
osd crush chooseleaf type = 0
run dir = $C/run
admin socket = $C/run/\$name.asok
log file = $C/log/\$name.log
pid file = $C/run/\$name.pid
[mon.a]
mon data = $C/mon.a
[osd.0]
osd data = $C/osd.0
[client.rgw.a]
rgw frontends = beast ssl_endpoint=127.0.0.1:$PORT ssl_certificate=$CERT ssl_private_key=$KEY
rgw data = $C/rgw.a
CONF
cd "$C"
ceph-authtool --create-keyring mon.keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --add a "v2:127.0.0.1:$MONPORT" --fsid "$FSID" monmap >/dev/null
ceph-mon -c ceph.conf --mkfs -i a --monmap monmap --keyring mon.keyring
ceph-mon -c ceph.conf -i a
OSDU=$(cat /proc/sys/kernel/random/uuid); ID=$(ceph -c ceph.conf osd new "$OSDU")
ceph-osd -c ceph.conf -i "$ID" --mkfs --osd-uuid "$OSDU" >/dev/null 2>&1
ceph-osd -c ceph.conf -i "$ID" 2>/dev/null
for _ in $(seq 1 100); do ceph -c ceph.conf osd stat 2>/dev/null | grep -q '1 up' && break; sleep 0.3; done
radosgw -c ceph.conf -n client.rgw.a
up=false
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && up=true && break; sleep 0.2; done
$up || { echo "radosgw did not listen on 127.0.0.1:$PORT within 60 s; see $C/log/client.rgw.a.log" >&2; exit 1; }
# radosgw-admin writes harmless warnings on stderr: shown only if it fails. The key is not printed.
if ! out=$(radosgw-admin -c ceph.conf user create --uid vigil --display-name vigil --access-key "$ACCESS" --secret "$SECRET" 2>&1); then
  echo "radosgw-admin user create failed: $(grep -v -i secret <<<"$out" | tail -5)" >&2; exit 1
fi
echo "RGW up on https://127.0.0.1:$PORT; pids: $(cat run/*.pid | tr '\n' ' ')"
