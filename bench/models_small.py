"""Folders of small real-library pickles (scikit-learn estimators written by pickle and by
joblib), side by side with picklescan and modelscan.

    .venv/bin/python bench/models_small.py prepare [--data /work/bench-data/speed21]
    .venv/bin/python bench/models_small.py run --src src [--src OTHER/src] [--rounds 5]

``prepare`` fits small estimators of eight kinds on random data (a different seed for each file,
so no two files are alike) and writes ``small-1000/`` and ``small-10000/``: half ``pickle.dump``
(protocol 4 and 5), half ``joblib.dump`` (which writes NumPy arrays as raw bytes after a wrapper,
the stream joblib's own loader reads). ``run`` times each command once per round, rounds
interleaved, as ``bench/models_cold.py`` does (CPU time, wall time, bytes read; the folder is
warm: these files are small and the page cache is not the question here).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from models_cold import DATA, commands, measure

SIZES = (1000, 10000)


def _estimators(seed: int) -> object:
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, 6))
    y = (x[:, 0] + rng.normal(size=40) > 0).astype(int)
    kind = seed % 8
    if kind == 0:
        return LogisticRegression(max_iter=50).fit(x, y)
    if kind == 1:
        return DecisionTreeClassifier(max_depth=4, random_state=seed).fit(x, y)
    if kind == 2:
        return StandardScaler().fit(x)
    if kind == 3:
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=50)).fit(x, y)
    if kind == 4:
        return LinearRegression().fit(x, x[:, 1])
    if kind == 5:
        return GaussianNB().fit(x, y)
    if kind == 6:
        return PCA(n_components=3).fit(x)
    return KMeans(n_clusters=3, n_init=1, random_state=seed).fit(x)


def prepare(data: Path) -> None:
    import joblib

    for size in SIZES:
        folder = data / f"small-{size}"
        if folder.exists():
            continue
        tmp = folder.with_suffix(".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for i in range(size):
            model = _estimators(i)
            if i % 2:
                joblib.dump(model, tmp / f"m{i:05d}.joblib")
            else:
                with (tmp / f"m{i:05d}.pkl").open("wb") as fh:
                    pickle.dump(model, fh, protocol=4 + (i // 2) % 2)
        tmp.rename(folder)
        total = sum(p.stat().st_size for p in folder.iterdir())
        print(f"{folder}: {size} files, {total / 1024**2:.1f} MiB", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["prepare", "run"])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--src", type=Path, action="append", default=[])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.action == "prepare":
        prepare(args.data)
        return
    tools = commands([s.resolve() for s in args.src] or [Path("src").resolve()])
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    for r in range(args.rounds):
        for size in args.sizes.split(","):
            folder = args.data / f"small-{size}"
            order = list(tools) if r % 2 == 0 else list(reversed(tools))
            for tool in order:
                cmd, env = tools[tool]
                argv = [str(folder) if a == "{}" else a for a in cmd]
                results.setdefault(size, {}).setdefault(tool, []).append(measure(argv, env))
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print("| files | command | wall | CPU | exit |\n|---|---|---|---|---|")
    for size, per in results.items():
        for tool, runs in per.items():
            wall = sorted(x["wall"] for x in runs)[len(runs) // 2]
            cpu = sorted(x["cpu"] for x in runs)[len(runs) // 2]
            print(f"| {size} | {tool} | {wall:.3f} s | {cpu:.3f} s | {int(runs[0]['status'])} |")


if __name__ == "__main__":
    main()
