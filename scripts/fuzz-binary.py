#!/usr/bin/env python3
# Mutation fuzzing of the built binary: mutates specs under Specs/ (numbers, lines, names,
# thread arguments), runs `hgm-check check --no-prove` with limits on each mutant, and
# reports any exit code other than 0-3 (a crash) or a hang. Mutants are written next to
# their source (so imports resolve) as hidden .fuzz-PID.hgm files and removed after each run.
# Usage: swift build -c release && python3 scripts/fuzz-binary.py SEED SECONDS
import os, random, subprocess, sys, glob, re, time
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = root + "/.build/release/hgm-check"
specs = [p for p in glob.glob(root + "/Specs/**/*.hgm", recursive=True)
         if re.search(r"^(thread|prove) ", open(p).read(), re.M)]
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
deadline = time.time() + float(sys.argv[2] if len(sys.argv) > 2 else 300)
tokens_num = ["0", "1", "2", "3", "7", "31", "32", "33", "-1", "100000", "PAGE", "HPAGE_SIZE", "1G", "2M", "4K"]
crashes = 0; runs = 0
while time.time() < deadline:
    src = rng.choice(specs)
    text = open(src).read()
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(6)
        i = rng.randrange(len(lines))
        if k == 0:   # replace a number
            lines[i] = re.sub(r"\b\d+\b", lambda m: rng.choice(tokens_num), lines[i], count=1)
        elif k == 1: # duplicate a line
            lines.insert(i, lines[i])
        elif k == 2: # delete a line
            del lines[i]
        elif k == 3: # swap two lines
            j = rng.randrange(len(lines)); lines[i], lines[j] = lines[j], lines[i]
        elif k == 4: # replace an identifier with another from the file
            ids = re.findall(r"\b[a-z_][a-z_0-9]*\b", text)
            if ids:
                lines[i] = re.sub(r"\b[a-z_][a-z_0-9]*\b", lambda m: rng.choice(ids), lines[i], count=1)
        else:        # change a thread argument
            lines[i] = lines[i].replace("PAGE", rng.choice(["2 * PAGE", "3 * PAGE", "HPAGE_SIZE", "0"]), 1)
    out = os.path.join(os.path.dirname(src), ".fuzz-%d.hgm" % os.getpid())
    open(out, "w").write("\n".join(lines))
    try:
        r = subprocess.run([binary, "check", "--no-prove", "--max-states", "20000", "--timeout", "5", out],
                           capture_output=True, text=True, timeout=30)
        code = r.returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    runs += 1
    if code not in (0, 1, 2, 3):
        crashes += 1
        keep = os.path.join(os.environ.get("TMPDIR", "/tmp"), "hgm-fuzz-crash-%d.hgm") % crashes
        open(keep, "w").write("\n".join(lines))
        print("CRASH", code, src, keep, (r.stderr if code != "timeout" else "")[-400:], flush=True)
    os.remove(out)
print("runs", runs, "crashes", crashes)
