// Hand-written SVG line charts (no dependencies): one polyline per series, log-2 x axis
// (the sizes double); y axis linear from 0, or logarithmic (logY: decades) when the
// series span orders of magnitude (fork latency: copy vs vfork).

export interface Series { name: string; points: Array<[number, number]> }

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M` : v >= 1e3 ? `${+(v / 1e3).toPrecision(3)}k` : `${+v.toPrecision(3)}`);

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], logY = false): string {
  const W = 640, H = 400, L = 70, R = 160, T = 40, B = 50;
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && Number.isFinite(y) && (!logY || y > 0));
  const xs = pts.map(([x]) => Math.log2(x));
  const xmin = Math.min(...xs, 0), xmax = Math.max(...xs, 1);
  const ys = pts.map(([, y]) => y);
  const ymax = logY ? 10 ** Math.ceil(Math.log10(Math.max(...ys, 1))) : Math.max(...ys, 1e-9) * 1.1;
  const ymin = logY ? 10 ** Math.floor(Math.log10(Math.min(...ys, ymax / 10))) : 0;
  const px = (x: number) => L + ((Math.log2(x) - xmin) / (xmax - xmin || 1)) * (W - L - R);
  const py = logY
    ? (y: number) => H - B - ((Math.log10(y) - Math.log10(ymin)) / (Math.log10(ymax) - Math.log10(ymin) || 1)) * (H - T - B)
    : (y: number) => H - B - (y / ymax) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(15 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  for (const x of [...new Set(pts.map(([x]) => x))].sort((a, b) => a - b)) {
    out.push(`<text x="${px(x).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${fmt(x)}</text>`);
  }
  const ticks = logY
    ? Array.from({ length: Math.round(Math.log10(ymax / ymin)) + 1 }, (_, i) => ymin * 10 ** i)
    : [0, 1, 2, 3, 4].map((i) => (ymax / 4) * i);
  for (const y of ticks) {
    out.push(`<line x1="${L - 4}" y1="${py(y).toFixed(1)}" x2="${W - R}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const p = s.points.filter(([x, y]) => x > 0 && Number.isFinite(y) && (!logY || y > 0));
    if (p.length > 0) {
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${p.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of p) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${c}"/>`);
    }
    out.push(`<line x1="${W - R + 10}" y1="${T + 10 + i * 18}" x2="${W - R + 30}" y2="${T + 10 + i * 18}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${W - R + 35}" y="${T + 14 + i * 18}">${esc(s.name)}${p.length ? '' : ' (missing)'}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
