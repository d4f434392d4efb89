#!/usr/bin/env python3
"""`make bench-scale` (and the last step of `make bench`): the airplay log at scale.

Generates logs of 100,000 and 1,000,000 segment records with loaxa-loggen (kept in
.build/bench/scale/ and reused while the generator's arguments are the same), then times
`loaxa log export` (CSV, JSON), `loaxa report` (md, xlsx) over the whole log and over one
year, and `loaxa log verify`, each in a fresh process, with its peak memory (getrusage of
the child, ru_maxrss). Writes the raw figures as JSON and the section between the
<!-- scale --> markers of docs/BENCHMARKS.md.

    tools/bench/scale.py --bin BIN_DIR --report docs/BENCHMARKS.md
"""
import argparse, json, os, resource, subprocess, sys, time

SIZES = [100_000, 1_000_000]
TARGET_S = 5.0


def measured(cmd):
    """Runs `cmd` in a child python that reports the command's own peak RSS."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.monotonic()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
        "w = time.monotonic() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'rc': p.returncode, 'wall_s': w, 'cpu_s': u.ru_utime + u.ru_stime, "
        "'max_rss_kib': u.ru_maxrss, 'stderr': p.stderr}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe] + cmd, capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    if r["rc"] != 0:
        sys.exit(f"scale: {' '.join(cmd)} failed ({r['rc']}): {r['stderr']}")
    last = r["stderr"].strip().splitlines()[-1] if r["stderr"].strip() else ""
    return {"wall_s": round(r["wall_s"], 2), "cpu_s": round(r["cpu_s"], 2),
            "max_rss_mib": round(r["max_rss_kib"] / 1024, 1), "said": last}


def measured_twice(cmd):
    """Runs `cmd` twice: the first run reads the database from the disk (unless an earlier
    command left it in the page cache), the second from memory. Returns the second, with
    the first's wall time as `first_wall_s`."""
    first = measured(cmd)
    second = measured(cmd)
    second["first_wall_s"] = first["wall_s"]
    return second


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", default=".build/bench/scale")
    ap.add_argument("--report", default="docs/BENCHMARKS.md")
    ap.add_argument("--heartbeats", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    loaxa = os.path.join(a.bin, "loaxa")
    results = {"heartbeats_per_record": a.heartbeats, "sizes": {}}
    for n in SIZES:
        folder = os.path.join(a.work, f"log-{n}")
        db = os.path.join(folder, "loaxa.sqlite")
        stamp = os.path.join(folder, "generated")
        args = f"--records {n} --heartbeats {a.heartbeats} --seed 1 --from 2021-01-01"
        if not (os.path.exists(stamp) and open(stamp).read() == args):
            subprocess.run(["rm", "-rf", folder], check=True)
            os.makedirs(folder)
            print(f"scale: generating {n} records", flush=True)
            gen = measured([os.path.join(a.bin, "loaxa-loggen")] + args.split() + ["--out", db])
            open(stamp, "w").write(args)
            results.setdefault("generated", {})[n] = gen
        with open(os.path.join(folder, "loaxa.toml"), "w") as f:
            f.write('[station]\nname = "Đài truyền thanh xã (benchmark)"\ntimezone = "Asia/Ho_Chi_Minh"\n'
                    '[paths]\ndatabase = "loaxa.sqlite"\n')
        os.makedirs(os.path.join(folder, "plans"), exist_ok=True)
        with open(os.path.join(folder, "plans", "ke-hoach.toml"), "w") as f:
            f.write('[plan]\ntitle = "Kế hoạch 2023"\nfrom = 2023-01-01\nto = 2023-12-31\n'
                    '[[target]]\ntopic = "giam-ngheo"\nmin_minutes = 10\nmax_minutes = 15\nprogrammes = 15\nper_week = 2\n')
        config = ["--config", os.path.join(folder, "loaxa.toml")]
        out = os.path.join(folder, "out")
        events = os.path.getsize(db)
        rows = {}
        print(f"scale: {n} records ({events / 2**20:.0f} MiB of database)", flush=True)
        rows["export csv, whole log"] = measured_twice([loaxa, "log", "export", "--format", "csv", "--out", out + ".csv"] + config)
        rows["export json, whole log"] = measured_twice([loaxa, "log", "export", "--format", "json", "--out", out + ".json"] + config)
        rows["export csv, one year (2023)"] = measured_twice(
            [loaxa, "log", "export", "--format", "csv", "--from", "2023-01-01", "--to", "2023-12-31", "--out", out + "-2023.csv"] + config)
        everything = ["--from", "2021-01-01", "--to", "2399-12-31"]
        rows["report md, whole log"] = measured_twice([loaxa, "report", "--format", "md", "--out", out + ".md"] + everything + config)
        rows["report xlsx, whole log"] = measured_twice([loaxa, "report", "--format", "xlsx", "--out", out + ".xlsx"] + everything + config)
        rows["report xlsx, one year (2023) with a plan"] = measured_twice(
            [loaxa, "report", "--period", "2023", "--format", "xlsx", "--out", out + "-2023.xlsx"] + config)
        rows["log verify (chain and stored records)"] = measured_twice([loaxa, "log", "verify"] + config)
        for name, r in rows.items():
            print(f"  {name}: {r['wall_s']} s wall ({r['first_wall_s']} s the first time), {r['cpu_s']} s CPU, "
                  f"{r['max_rss_mib']} MiB peak", flush=True)
        results["sizes"][n] = {"database_mib": round(events / 2**20), "rows": rows,
                               "export_bytes": os.path.getsize(out + ".csv")}
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
    results["machine"] = f"{len(cpu)} × {cpu[0] if cpu else 'unknown CPU'}"
    with open(os.path.join(a.work, "scale.json"), "w") as f:
        json.dump(results, f, indent=1)
    write_section(a.report, results)


def write_section(path, results):
    big, small = results["sizes"][1_000_000], results["sizes"][100_000]
    lines = [
        "<!-- scale -->",
        "## The airplay log at scale",
        "",
        "Written by `make bench-scale` (`tools/bench/scale.py`, also the last step of `make bench`) on "
        + results["finished"] + ". Logs generated by `loaxa-loggen` "
        f"(two sessions a day, jingles, topic programmes, queued and emergency airings, about 3 % of airings "
        f"interrupted, failed or skipped, 1 % of sessions missed, {results['heartbeats_per_record']} heartbeats per "
        f"airing); the million-record log is {big['database_mib']} MiB. Each command ran twice, each time in its own "
        "process; the table gives the second run, with the database in the page cache, and the first run's wall "
        "time, which had to read it from the disk when no command before it had. Peak memory is the process's "
        "maximum resident set. Machine: " + results.get("machine", "?") + ".",
        "",
        f"| command | 100,000 records | 1,000,000 records | target (1M) | met |",
        "|---|---|---|---|---|",
    ]
    for name in big["rows"]:
        b, s = big["rows"][name], small["rows"][name]
        timed = name.startswith("export") or name.startswith("report")
        target = f"< {TARGET_S:.0f} s" if timed else "listed only"
        met = ("yes" if b["wall_s"] < TARGET_S else "no") if timed else "n/a"
        lines.append(
            f"| `{name}` | {s['wall_s']} s, {s['max_rss_mib']} MiB | {b['wall_s']} s ({b['cpu_s']} s CPU; first run "
            f"{b['first_wall_s']} s), {b['max_rss_mib']} MiB | {target} | {met} |")
    lines += [
        "",
        f"Memory: an export peaks at {small['rows']['export csv, whole log']['max_rss_mib']} MiB for a hundred "
        f"thousand records and {big['rows']['export csv, whole log']['max_rss_mib']} MiB for a million (records "
        "stream from the database to the file). A report keeps only its sums and spools the airings it lists one by "
        f"one to a temporary file; it peaks at {small['rows']['report md, whole log']['max_rss_mib']} and "
        f"{big['rows']['report md, whole log']['max_rss_mib']} MiB, the difference being its per-month table: the "
        "generated million records span more than two centuries of a station's days.",
        "<!-- /scale -->",
    ]
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    section = "\n".join(lines) + "\n"
    if "<!-- scale -->" in text:
        before = text.split("<!-- scale -->")[0]
        after = text.split("<!-- /scale -->", 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        marker = "## How it was measured"
        text = text.replace(marker, section + "\n" + marker, 1) if marker in text else text + "\n" + section
    open(path, "w").write(text)
    print(f"scale: wrote the section in {path}")


if __name__ == "__main__":
    main()
