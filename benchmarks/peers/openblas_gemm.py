"""Native OpenBLAS SGEMM, timed on clengine's GEMM shapes: the strongest BLAS peer of MatmulBench (issue #19).

The JVM benchmark holds OpenBLAS 0.3.19 (the JavaCPP 1.5.7 build ND4J needs; a newer JavaCPP cannot share the class
path with it), so newer builds run here, in a process of their own, through ctypes:
  --lib debian    Debian 12's libopenblas0-pthread (0.3.21): $CLENGINE_DEBIAN_OPENBLAS, else
                  /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 (the package installed, or unpacked
                  with `apt-get download libopenblas0-pthread && dpkg -x *.deb DIR`, then point the variable at
                  DIR/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 without touching the system's BLAS)
  --lib bytedeco  the newest org.bytedeco:openblas linux-x86_64 jar found: $CLENGINE_BYTEDECO_OPENBLAS_JAR, else
                  benchmarks/target/peer-libs (the benchmarks build copies 0.3.31-1.5.13 there), else the Maven local
                  repository (-Dmaven.repo.local in $MAVEN_OPTS, then ~/.m2/repository); its natives are unpacked
                  to a temporary folder.
The version printed names the library, its build config and the core kernel it picked (openblas_get_corename).

Times cblas_sgemm(RowMajor, NoTrans, NoTrans, M, N, K, 1, A, K, B, N, 0, C, N) with openblas_set_num_threads(THREADS):
`warmup` untimed calls, then `repeats` timed calls (perf_counter around each); the median is reported. The first
result is checked against numpy's float64 product (relative L2 below 1e-4), so a broken load gives no row.
Prints one JSON object on stdout: {"version", "threads", "rows": [{"op", "shape", "variant", "ms"}]}.
"""
import argparse
import ctypes
import glob
import json
import os
import re
import statistics
import sys
import tempfile
import time
import zipfile

import numpy as np

SHAPE = re.compile(r"m(\d+)n(\d+)k(\d+)")
DEBIAN = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"
NATIVES = "org/bytedeco/openblas/linux-x86_64/"


def debian_library():
    path = os.environ.get("CLENGINE_DEBIAN_OPENBLAS", DEBIAN)
    if not os.path.exists(path):
        raise SystemExit(f"no Debian OpenBLAS at {path}: install libopenblas0-pthread or set "
                         "CLENGINE_DEBIAN_OPENBLAS to an unpacked copy's libopenblas.so.0")
    return ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL), path


def version_key(jar):
    """0.3.31-1.5.13 sorts after 0.3.9-1.5.3: compare the numbers."""
    numbers = re.findall(r"\d+", os.path.basename(jar))
    return [int(x) for x in numbers]


def bytedeco_jar():
    if os.environ.get("CLENGINE_BYTEDECO_OPENBLAS_JAR"):
        return os.environ["CLENGINE_BYTEDECO_OPENBLAS_JAR"]
    repos = []
    m = re.search(r"-Dmaven\.repo\.local=(\S+)", os.environ.get("MAVEN_OPTS", ""))
    if m:
        repos.append(m.group(1))
    repos.append(os.path.expanduser("~/.m2/repository"))
    found = glob.glob("benchmarks/target/peer-libs/openblas-*-linux-x86_64.jar")
    found += glob.glob("target/peer-libs/openblas-*-linux-x86_64.jar")
    if not found:
        for repo in repos:
            found += glob.glob(os.path.join(repo, "org/bytedeco/openblas/*/openblas-*-linux-x86_64.jar"))
    if not found:
        raise SystemExit("no org.bytedeco:openblas linux-x86_64 jar found (build benchmarks/, or set "
                         "CLENGINE_BYTEDECO_OPENBLAS_JAR)")
    return max(found, key=version_key)


def bytedeco_library():
    jar = bytedeco_jar()
    folder = tempfile.mkdtemp(prefix="openblas-peer-")
    with zipfile.ZipFile(jar) as z:
        for name in z.namelist():
            if name.startswith(NATIVES) and ".so" in name and "jni" not in name:
                with open(os.path.join(folder, os.path.basename(name)), "wb") as out:
                    out.write(z.read(name))
    # the runtime libraries it links come with it: load them first, from the same folder
    for dep in ("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5"):
        if os.path.exists(os.path.join(folder, dep)):
            ctypes.CDLL(os.path.join(folder, dep), mode=ctypes.RTLD_GLOBAL)
    return ctypes.CDLL(os.path.join(folder, "libopenblas.so.0"), mode=ctypes.RTLD_GLOBAL), jar


def describe(lib, where):
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_get_corename.restype = ctypes.c_char_p
    config = lib.openblas_get_config().decode().strip()
    core = lib.openblas_get_corename().decode().strip()
    return f"{config}; core kernel {core}; from {where}"


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def gemm(lib, m, n, k, rng):
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.full((m, n), np.nan, dtype=np.float32)
    ptr = ctypes.POINTER(ctypes.c_float)
    args = (101, 111, 111, m, n, k, ctypes.c_float(1.0), a.ctypes.data_as(ptr), k, b.ctypes.data_as(ptr), n,
            ctypes.c_float(0.0), c.ctypes.data_as(ptr), n)

    def run():
        lib.cblas_sgemm(*args)

    run()
    rows = min(m, max(8, (1 << 26) // (n * k)))  # the float64 check on a cut of rows stays well under a second
    expected = a[:rows].astype(np.float64) @ b.astype(np.float64)
    err = np.linalg.norm(c[:rows] - expected) / np.linalg.norm(expected)
    if not err < 1e-4:
        raise SystemExit(f"cblas_sgemm m{m}n{n}k{k} differs from numpy's float64 product: relative L2 {err}")
    return run


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lib", choices=("debian", "bytedeco"), default="debian")
    p.add_argument("--shapes", required=True)
    p.add_argument("--variants", default="plain")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args()
    lib, where = debian_library() if args.lib == "debian" else bytedeco_library()
    lib.openblas_set_num_threads(args.threads)
    rng = np.random.default_rng(20261207)
    rows = []
    for shape in args.shapes.split(","):
        m = SHAPE.fullmatch(shape)
        if not m:
            raise SystemExit(f"'{shape}' is not a dense GEMM shape such as m256n256k256")
        run = gemm(lib, *(int(x) for x in m.groups()), rng)
        ms = median_ms(run, args.warmup, args.repeats)
        print(f"{args.lib} {shape}: {ms:.3f} ms", file=sys.stderr)
        rows.append({"op": "matmul", "shape": shape, "variant": "plain", "ms": ms})
    print(json.dumps({"version": describe(lib, where), "threads": args.threads, "rows": rows}))


if __name__ == "__main__":
    main()
