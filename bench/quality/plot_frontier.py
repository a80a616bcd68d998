#!/usr/bin/env python3
"""Draws the quality/area frontier of bench/quality/run.sh as an SVG (no plotting library needed).

    plot_frontier.py frontier.tsv frontier.svg

frontier.tsv: one row per model, tab-separated: hidden, fanin, head_fanin, steps, recipe,
val BPC of its own float stages, val BPC of the float comparator (all steps as float training),
val BPC of the integer model, iCE40 LUT4 ("n/a" when synthesis did not finish).
x: LUT4 (log scale); y: validation bits per character. Filled dots: the integer models; hollow
dots joined to them: the float comparator of the same topology. Dashed: the character n-gram
anchors and the 3.0 target; the vertical line is the UP5K's 5280 LUT4.
"""
import math
import sys

ANCHORS = [(3.59, "n-gram order 1"), (2.94, "order 2"), (2.55, "order 3"), (2.37, "order 4")]
TARGET = 3.0
UP5K = 5280


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot_frontier.py frontier.tsv frontier.svg")
    rows = []
    with open(sys.argv[1]) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) != 9:
                sys.exit(f"plot_frontier.py: {sys.argv[1]}: expected 9 tab-separated fields, got {len(c)}")
            if c[8] in ("n/a", "timeout", ""):
                continue
            rows.append(dict(h=int(c[0]), k=int(c[1]), k2=int(c[2]), n=int(c[3]), recipe=c[4],
                             own=float(c[5]), flt=float(c[6]), q=float(c[7]), lut=int(c[8])))
    if not rows:
        sys.exit(f"plot_frontier.py: {sys.argv[1]}: no row with a LUT4 count")
    W, Hh, L, R, T, B = 760, 480, 70, 150, 30, 55
    xs = [r["lut"] for r in rows] + [UP5K]
    x0, x1 = math.log10(min(xs) / 1.6), math.log10(max(xs) * 1.6)
    ys = [r["q"] for r in rows] + [r["flt"] for r in rows if not math.isnan(r["flt"])] + [TARGET]
    y0, y1 = min(min(ys), 2.5) - 0.05, max(max(ys), 3.6) + 0.05

    def X(v):
        return L + (math.log10(v) - x0) / (x1 - x0) * (W - L - R)

    def Y(v):
        return T + (y1 - v) / (y1 - y0) * (Hh - T - B)

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{Hh}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{Hh}" fill="white"/>',
         f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{Hh - T - B}" fill="none" stroke="#444"/>']
    # axes: decades and 2x, 5x ticks on x; 0.1 steps on y
    for e in range(math.floor(x0), math.ceil(x1) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if x0 <= math.log10(v) <= x1:
                o.append(f'<line x1="{X(v):.1f}" y1="{Hh - B}" x2="{X(v):.1f}" y2="{Hh - B + 5}" stroke="#444"/>')
                o.append(f'<text x="{X(v):.1f}" y="{Hh - B + 18}" text-anchor="middle">{v:g}</text>')
    y = math.ceil(y0 * 10) / 10
    while y <= y1:
        o.append(f'<line x1="{L - 5}" y1="{Y(y):.1f}" x2="{L}" y2="{Y(y):.1f}" stroke="#444"/>')
        o.append(f'<text x="{L - 8}" y="{Y(y) + 4:.1f}" text-anchor="end">{y:.1f}</text>')
        y += 0.1
    o.append(f'<text x="{(L + W - R) / 2}" y="{Hh - 12}" text-anchor="middle">iCE40 LUT4 of the integer model (yosys synth_ice40, log scale)</text>')
    o.append(f'<text x="16" y="{(T + Hh - B) / 2}" text-anchor="middle" transform="rotate(-90 16 {(T + Hh - B) / 2})">validation bits per character</text>')
    for v, name in ANCHORS + [(TARGET, "target 3.0")]:
        if y0 <= v <= y1:
            col = "#c33" if v == TARGET else "#999"
            o.append(f'<line x1="{L}" y1="{Y(v):.1f}" x2="{W - R}" y2="{Y(v):.1f}" stroke="{col}" stroke-dasharray="5,4"/>')
            o.append(f'<text x="{W - R + 6}" y="{Y(v) + 4:.1f}" fill="{col}">{name} ({v:.2f})</text>')
    o.append(f'<line x1="{X(UP5K):.1f}" y1="{T}" x2="{X(UP5K):.1f}" y2="{Hh - B}" stroke="#36c" stroke-dasharray="2,3"/>')
    o.append(f'<text x="{X(UP5K) + 4:.1f}" y="{T + 14}" fill="#36c">UP5K 5280 LUT4</text>')
    for r in rows:
        x, yq = X(r["lut"]), Y(r["q"])
        if not math.isnan(r["flt"]):
            yf = Y(r["flt"])
            o.append(f'<line x1="{x:.1f}" y1="{yf:.1f}" x2="{x:.1f}" y2="{yq:.1f}" stroke="#888"/>')
            o.append(f'<circle cx="{x:.1f}" cy="{yf:.1f}" r="5" fill="white" stroke="#222"/>')
        o.append(f'<circle cx="{x:.1f}" cy="{yq:.1f}" r="5" fill="#222"/>')
        label = f'H={r["h"]} K={r["k"]} K2={r["k2"]} {r["recipe"]}: {r["q"]:.3f}'
        right = x < (L + W - R) / 2  # labels of the right half go to the left of their dot
        o.append(f'<text x="{x + 8 if right else x - 8:.1f}" y="{yq - 8:.1f}" text-anchor="{"start" if right else "end"}">{label}</text>')
    o.append(f'<circle cx="{L + 10}" cy="{Hh - B - 30}" r="5" fill="#222"/><text x="{L + 20}" y="{Hh - B - 26}">integer model (ternary weights, binary state)</text>')
    o.append(f'<circle cx="{L + 10}" cy="{Hh - B - 12}" r="5" fill="white" stroke="#222"/><text x="{L + 20}" y="{Hh - B - 8}">float model, same topology, same steps</text>')
    o.append("</svg>")
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("\n".join(o) + "\n")
    import os
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])


if __name__ == "__main__":
    main()
