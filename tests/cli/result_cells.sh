# tests/cli/result_cells.sh — sourced by the kill/interrupt/disk tests: count_cells FILE prints how
# many distinct cells are saved for a result set: those in the file (0 while it does not open yet)
# and those waiting in FILE.parts/ to be merged into it (what --resume picks up): the writer's
# journal cells.journal (its complete entries, read as docs/results-schema.md lays them out) and
# other MPI ranks' one-cell fragments *.h5.
count_cells() { /usr/bin/python3 -c 'import glob, h5py, struct, sys, zlib
ids = set()
for p in [sys.argv[1]] + sorted(glob.glob(sys.argv[1] + ".parts/*.h5")):
    try:
        with h5py.File(p, "r") as f:
            ids.update(f["cells"])
    except Exception:
        pass
try:
    b = open(sys.argv[1] + ".parts/cells.journal", "rb").read()
except OSError:
    b = b""
if b[:8] == b"XPBJRNL\0":
    at = 24 + struct.unpack_from("=Q", b, 16)[0]  # magic, format, byte order, experiment sha256
    while len(b) - at >= 12:
        n, crc = struct.unpack_from("=QI", b, at)
        payload = b[at + 12:at + 12 + n]
        if len(payload) < n or zlib.crc32(payload) != crc:
            break  # a torn last entry
        k = struct.unpack_from("=Q", payload)[0]
        ids.add(payload[8:8 + k].decode())
        at += 12 + n
print(len(ids))' "$1"; }
