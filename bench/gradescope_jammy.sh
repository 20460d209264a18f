#!/usr/bin/env bash
# Verification, not a test: build our Gradescope bundle on a real Ubuntu 22.04 (jammy) root file
# system, the way Gradescope's default base image would, and grade two submissions in it.
# Prints what it measured (setup time, disk size of the prefix, grading time, peak memory,
# score, whether any value of the key reached results.json).
#
# Needs: root; debootstrap (`apt-get install -y debootstrap`), unshare, pivot_root and setpriv
# (util-linux); network to archive.ubuntu.com (the jammy tree and, during setup.sh, bubblewrap,
# python3-pip and, when uv cannot download the key's Python, python3.11 from universe) and to
# PyPI (uv, TensorFlow and the key's other packages); about 4 GB free under $GS_JAMMY_DIR;
# this checkout's .venv (it writes the bundle and the notebooks, and samples memory with psutil);
# the datasets in ../shared/data (copied into the bundle: from here the jammy tree cannot
# download them either).
# Takes 3-5 minutes here on 2 cores (seen: debootstrap 22-26 s, the image's packages ~20 s,
# setup.sh 55-85 s with TensorFlow from PyPI, each grading 33-47 s); longer where PyPI is slower.
#
# The "container": own mount, PID, UTS and IPC namespaces, / pivoted to the jammy tree, fresh
# /proc, a minimal /dev, the host's network (as Docker's default bridge gives network), and
# Docker's default capability set (no CAP_SYS_ADMIN). Not reproduced: Docker's seccomp profile
# (it refuses user namespaces, so there bubblewrap cannot start and the kernel runs as the
# separate user; here jammy's bubblewrap 0.6.1 runs), Gradescope's 768 MB memory limit and
# 1/2 CPU (peak memory is measured instead), and uv's download of Python from GitHub, which
# this machine cannot reach (so setup.sh's fallback is what runs here).
# The image gets what Gradescope's docs say their base image has: Ubuntu 22.04 and the system
# python3 its harness runs on (docs/base_images.md, docs/python3_issues.md of
# gradescope/autograder_samples), with ca-certificates and the harness's dependencies that
# Ubuntu packages; no pip (their own python sample's setup.sh installs python3-pip itself) and
# no apt lists (as in Docker's ubuntu:22.04).
#
#   GS_JAMMY_DIR=/tmp/gs-jammy   where the tree, the bundle and the logs go (removed first)
#   UBUNTU_MIRROR=http://archive.ubuntu.com/ubuntu
#   GS_JAMMY_KEEP=1              keep the tree afterwards (default: removed, the logs stay)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${GS_JAMMY_DIR:-/tmp/gs-jammy}"
MIRROR="${UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}"
ASSIGNMENT=cnn_treinamento
PROFILE=smoke
KEY="$REPO/assignments/$ASSIGNMENT/keys/$PROFILE/key.json"
DATA="${GS_DATA:-$REPO/../shared/data}"
AG="$REPO/.venv/bin/autograder"
PY="$REPO/.venv/bin/python"
R="$WORK/rootfs"
LOGS="$WORK/logs"

say() { printf '%s\n' "$*"; }
die() { printf 'gradescope_jammy: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, namespaces, pivot_root)"
for tool in debootstrap unshare pivot_root setpriv; do
    command -v "$tool" >/dev/null || die "needs $tool (apt-get install -y debootstrap util-linux)"
done
[ -x "$AG" ] || die "needs this checkout's .venv (bash setup.sh)"
[ -f "$DATA/boston_housing.npz" ] || die "needs the datasets in $DATA"

case "$WORK" in /tmp/*|/var/tmp/*) ;; *) die "GS_JAMMY_DIR must be under /tmp or /var/tmp";; esac
rm -rf "$WORK"
mkdir -p "$LOGS"
elapsed() { echo $(( $(date +%s) - $1 )); }

# ---- the container ----------------------------------------------------------------------------
cat > "$WORK/enter.sh" <<'EOF'
#!/usr/bin/env bash
# enter.sh ROOTFS COMMAND...: run inside fresh mount/PID/UTS/IPC namespaces (unshare)
set -euo pipefail
R="$1"; shift
mount --make-rprivate /
mount --bind "$R" "$R"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs "$R/dev"
for d in null zero full random urandom tty; do
    touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
mount -t tmpfs -o nosuid,nodev,size=65536k shm "$R/dev/shm"
ln -s pts/ptmx "$R/dev/ptmx"; ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
hostname gradescope-jammy
cd "$R"
mkdir -p .host
pivot_root . .host
cd /
# from here on every program is the jammy tree's
umount -l /.host
rmdir /.host
# Docker's default capabilities (no CAP_SYS_ADMIN)
exec /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    HOSTNAME=gradescope-jammy "$@" \
    /usr/bin/setpriv --inh-caps=-all --bounding-set=-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+net_bind_service,+net_raw,+sys_chroot,+mknod,+audit_write,+setfcap \
    /bin/bash "$IMAGE_SCRIPT"
EOF
# in_image SCRIPT [VAR=VALUE...]: run SCRIPT (a path inside the tree) as root in the container
in_image() {
    local script="$1"; shift
    IMAGE_SCRIPT="$script" unshare --mount --pid --fork --uts --ipc -- bash "$WORK/enter.sh" "$R" "$@"
}

# ---- 1. Ubuntu 22.04, as Gradescope's base image ---------------------------------------------
t=$(date +%s)
# --no-check-gpg: Debian has no Ubuntu archive keyring package; apt inside the tree checks
# every later package against the ubuntu-keyring that debootstrap installs
debootstrap --variant=minbase --no-check-gpg jammy "$R" "$MIRROR" > "$LOGS/debootstrap.log" 2>&1 \
    || die "debootstrap failed (see $LOGS/debootstrap.log)"
debootstrap_s=$(elapsed "$t")
cat > "$R/etc/apt/sources.list" <<EOF
deb $MIRROR jammy main restricted universe multiverse
deb $MIRROR jammy-updates main restricted universe multiverse
deb $MIRROR jammy-backports main restricted universe multiverse
deb $MIRROR jammy-security main restricted universe multiverse
EOF
mkdir -p "$R/root/steps"
# this machine reaches PyPI through a TLS-inspecting proxy: its CA certificates (public ones, in
# /usr/local/share/ca-certificates) join the tree's trust store, and SSL_CERT_FILE points uv at
# that store, as on the host. Gradescope needs neither.
mkdir -p "$R/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/" 2>/dev/null || true
TLS=(SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt)
cat > "$R/root/steps/image.sh" <<'EOF'
set -e
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 ca-certificates \
    python3-yaml python3-tz python3-requests python3-psutil python3-dateutil >/dev/null
update-ca-certificates >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*
EOF
t=$(date +%s)
in_image /root/steps/image.sh > "$LOGS/image.log" 2>&1 || die "the image's packages failed ($LOGS/image.log)"
image_s=$(elapsed "$t")
sys_python_before="$(chroot "$R" python3 --version 2>&1)"
pip_before="$(chroot "$R" python3 -m pip --version >/dev/null 2>&1 && echo yes || echo no)"
python311_before="$(chroot "$R" sh -c 'command -v python3.11 || echo none')"

# ---- 2. the bundle, unzipped where Gradescope puts it ----------------------------------------
"$AG" export gradescope-bundle --assignment "$ASSIGNMENT" --key "$KEY" --out "$WORK/bundle" \
    > "$LOGS/export.log" 2>&1 || die "export failed ($LOGS/export.log)"
zip_bytes=$(stat -c %s "$WORK/bundle.zip")
mkdir -p "$R/autograder/source" "$R/autograder/submission" "$R/autograder/results"
"$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$WORK/bundle.zip" "$R/autograder/source"
chmod +x "$R/autograder/source/setup.sh" "$R/autograder/source/run_autograder"  # zip modes
cp -r "$DATA" "$R/autograder/source/data"
key_python="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["environment"]["python"])' "$KEY")"

# ---- 3. setup.sh, as Gradescope runs it at build time ------------------------------------------
cat > "$R/root/steps/setup.sh" <<'EOF'
cd /autograder/source
bash ./setup.sh
status=$?
cp /autograder/source/run_autograder /autograder/run_autograder
exit $status
EOF
t=$(date +%s)
set +e
in_image /root/steps/setup.sh "${TLS[@]}" > "$LOGS/setup.log" 2>&1
setup_status=$?
set -e
setup_s=$(elapsed "$t")
prefix_size="$(du -sh "$R/opt/dl-autograder" 2>/dev/null | cut -f1)"
sys_python_after="$(chroot "$R" python3 --version 2>&1)"
venv_python="$(chroot "$R" /opt/dl-autograder/env/bin/python --version 2>&1 || echo none)"
say "== Ubuntu 22.04 (jammy) tree, as Gradescope's default base image"
say "debootstrap (minbase): ${debootstrap_s} s; python3, certificates, harness deps: ${image_s} s"
say "image before setup: system $sys_python_before; pip: $pip_before; python3.11: $python311_before"
say "bundle zip: $zip_bytes bytes; key's Python: $key_python"
say "== setup.sh (exit $setup_status): ${setup_s} s; prefix /opt/dl-autograder: ${prefix_size:-absent}"
say "-- uv python install:"
awk '/^error: Failed to install cpython/ {on = 1; print; next} on && /^  cause: / {print; next} {on = 0}' \
    "$LOGS/setup.log" | grep . || say "(no uv error: uv installed Python $key_python)"
say "-- setup.sh said:"
grep '^setup:\|environment \(matches\|differs\)\|^  [a-z_]*: key \|^Python [0-9]' "$LOGS/setup.log" || true
say "system python3 after setup: $sys_python_after; grader's Python: $venv_python"
say "installed by setup.sh's apt-get: $(chroot "$R" dpkg-query -W -f '${Package} ${Version}; ' \
    bubblewrap python3-pip python3.11 2>/dev/null)"
say "-- /opt/dl-autograder/env/python-origin.txt:"
cat "$R/opt/dl-autograder/env/python-origin.txt" 2>/dev/null || say "(absent)"
[ "$setup_status" = 0 ] || { tail -40 "$LOGS/setup.log"; die "setup.sh failed (see $LOGS/setup.log)"; }
[ "$sys_python_before" = "$sys_python_after" ] || die "setup.sh changed the system python3"

# ---- 4. submissions ------------------------------------------------------------------------
"$AG" assignment notebooks --assignment "$ASSIGNMENT" --profile "$PROFILE" --out "$WORK/notebooks" \
    > "$LOGS/notebooks.log" 2>&1 || die "notebooks failed ($LOGS/notebooks.log)"
solution="$(find "$WORK/notebooks" -name '*.ipynb' | grep -i 'solu' | head -n1)"
[ -n "$solution" ] || die "no solution notebook in $WORK/notebooks: $(ls "$WORK/notebooks")"
# the hostile one: the solution, whose letter answers come from whatever key it can read, after
# a first cell that reads every file under /autograder, every /proc/*/environ and its environment
"$PY" - "$solution" "$WORK/hostile.ipynb" <<'EOF'
import sys
import nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
probe = '''import os, json
seen = {}
for base, dirs, files in os.walk("/autograder"):
    for name in files:
        p = os.path.join(base, name)
        try:
            seen[p] = open(p, "rb").read().decode("utf-8", "replace")
        except OSError:
            pass
for p in ("/autograder/source/key.json", "/autograder/submission_metadata.json"):
    try:
        seen[p] = open(p).read()
    except OSError:
        pass
for pid in [d for d in os.listdir("/proc") if d.isdigit()]:
    try:
        seen[pid] = open("/proc/" + pid + "/environ", "rb").read().decode("utf-8", "replace")
    except OSError:
        pass
seen["environ"] = json.dumps(dict(os.environ))
letters = {}
for text in seen.values():
    try:
        d = json.loads(text)
    except ValueError:
        continue
    if isinstance(d, dict) and isinstance(d.get("answers"), dict):
        letters = {k: v.get("letter") for k, v in d["answers"].items() if isinstance(v, dict)}
leak = " ".join(seen)[:5000]
'''
nb.cells.insert(0, nbformat.v4.new_code_cell(probe))
n_letters = 0
for cell in nb.cells:
    meta = cell.get("metadata", {}).get("autograder", {})
    if meta.get("role") == "letter":
        number = meta["exercise"][2:]
        cell["source"] = f'resposta_{number} = letters.get("{number}") or leak[:40] or "x"\n'
        n_letters += 1
assert n_letters, "no letter cells in the solution notebook"
nbformat.write(nb, sys.argv[2])
EOF

cat > "$R/root/steps/grade.sh" <<'EOF'
# Gradescope's harness: /autograder/submission filled, then /autograder/run_autograder from
# /autograder (a token in the environment, which the submission must not see either)
cd /autograder
start=$(date +%s.%N)
GRADESCOPE_SECRET_TOKEN=gs-secret-4f1e9a /autograder/run_autograder > /autograder/results/stdout 2>&1
status=$?
end=$(date +%s.%N)
echo "$status $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.0f", b - a}')" > /root/grade_status
EOF
# peak_memory PID OUT: from the host (the container has no CAP_SYS_PTRACE to read the kernel
# user's memory maps), each second, the sum over PID's process tree of the proportional set
# sizes (PSS: shared pages split between the processes that map them) and of the resident sets
peak_memory() {
    "$PY" - "$1" "$2" <<'EOF'
import sys, time
import psutil
root, out = psutil.Process(int(sys.argv[1])), sys.argv[2]
peak_pss = peak_rss = 0
while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
    pss = rss = 0
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        break
    for proc in procs:
        try:
            mem = proc.memory_full_info()
        except psutil.Error:
            continue
        pss, rss = pss + mem.pss, rss + mem.rss
    peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
    with open(out, "w") as fh:
        fh.write(f"{peak_pss // 2**20} {peak_rss // 2**20}\n")
    time.sleep(1)
EOF
}

grade() {  # grade NAME NOTEBOOK [ISOLATION]
    local name="$1" notebook="$2" isolation="${3:-}"
    rm -rf "$R/autograder/submission" "$R/autograder/results" "$WORK/peak"
    mkdir -p "$R/autograder/submission" "$R/autograder/results"
    cp "$notebook" "$R/autograder/submission/$(basename "$notebook")"
    cat > "$R/autograder/submission_metadata.json" <<'JSON'
{"id": 1, "created_at": "2026-05-30T10:00:00.000000-03:00",
 "assignment": {"due_date": "2026-05-31T23:59:00.000000-03:00", "late_due_date": null},
 "users": [{"email": "ana@example.edu", "id": 7, "name": "Ana Souza"}]}
JSON
    local env=("${TLS[@]}")
    [ -n "$isolation" ] && env+=(AUTOGRADER_GS_ISOLATION="$isolation")
    in_image /root/steps/grade.sh "${env[@]}" > "$LOGS/grade-$name.log" 2>&1 &
    local pid=$!
    peak_memory "$pid" "$WORK/peak" &
    local sampler=$!
    wait "$pid" || true
    wait "$sampler" || true
    cp "$R/autograder/results/results.json" "$LOGS/results-$name.json" 2>/dev/null || true
    cp "$R/autograder/results/stdout" "$LOGS/stdout-$name.txt" 2>/dev/null || true
    local status seconds
    read -r status seconds < "$R/root/grade_status"
    "$PY" - "$LOGS/results-$name.json" "$R/autograder/source/key.json" "$name" "$status" "$seconds" \
        "$(cat "$WORK/peak" 2>/dev/null || echo 0 0)" "$LOGS/stdout-$name.txt" <<'EOF'
import json, sys
path, key_path, name, status, seconds, peak, stdout_path = sys.argv[1:]
peak_pss, peak_rss = peak.split()
key = json.load(open(key_path))
try:
    text = open(path, encoding="utf-8").read()
    data = json.loads(text)
except (OSError, ValueError) as exc:
    print(f"== {name}: no results.json ({exc}); run_autograder exit {status}")
    sys.exit(0)
text += open(stdout_path, encoding="utf-8", errors="replace").read()
tests = data.get("tests", [])
passed = sum(t["status"] == "passed" for t in tests)
max_score = sum(t.get("max_score", 0) for t in tests)
extra = data.get("extra_data", {})
letters = [t for t in tests if t["name"].endswith(".letter")]
# values of the key that a submission could only have by reading it
secrets = ["gs-secret-4f1e9a", key.get("built_at", "")]
secrets += [a.get("justificativa", "")[:40] for a in key.get("answers", {}).values() if isinstance(a, dict)]
leaked = [s for s in secrets if s and s in text]
print(f"== {name}: run_autograder exit {status}, {seconds} s; peak memory {peak_pss} MiB "
      f"(sum of PSS; of RSS {peak_rss} MiB); Gradescope's default limit: 768 MB")
print(f"score {data.get('score')} / {max_score:g}; tests passed {passed}/{len(tests)}; "
      f"letters passed {sum(t['status'] == 'passed' for t in letters)}/{len(letters)}")
print(f"isolation: {extra.get('isolation')}; python: {extra.get('python')}")
print(f"grading_seconds (grader's own): {extra.get('grading_seconds')}; "
      f"not_enforced: {extra.get('not_enforced')}")
print(f"attempts reported to the instructor: {extra.get('attempts')}")
print(f"key values found in results.json and stdout: {leaked or 'none'}")
if not tests:
    print("output:", data.get("output", "")[:1500])
    print("grader log tail:", extra.get("grader_log_tail", "")[-1500:])
EOF
}

say "== grading (run_autograder as root in /autograder)"
grade solution "$solution"
grade hostile "$WORK/hostile.ipynb"
if grep -q '"isolation": "bubblewrap' "$LOGS/results-hostile.json" 2>/dev/null; then
    # Docker's seccomp profile would refuse bubblewrap its namespaces: the separate user too
    grade hostile-user "$WORK/hostile.ipynb" user
fi
say "logs: $LOGS"
if [ "${GS_JAMMY_KEEP:-0}" != 1 ]; then rm -rf "$R"; fi
