// WCAG 2.x contrast of every visible text under `root` (or of the elements matching `sel`).
// Returns [{text, ratio, need, fg, bg, tag, cls}] for each measured element.
(args) => {
  const {root, sel} = args;
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
  let els;
  if (sel) els = [...document.querySelectorAll(sel)];
  else {
    els = [...(document.querySelector(root) || document.body).querySelectorAll('*')].filter(
      (e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
    els = els.concat([...(document.querySelector(root) || document.body).querySelectorAll('textarea, input')]
      .filter((e) => e.placeholder && !e.value));
  }
  const out = [];
  for (const el of els) {
    if (!visible(el) || el.closest('[disabled], [aria-hidden="true"]')) continue;
    const s = getComputedStyle(el);
    const placeholder = (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT') && el.placeholder && !el.value;
    let fg = parse(placeholder ? getComputedStyle(el, '::placeholder').color : s.color);
    if (!fg) continue;
    const bg = background(el);
    fg = over({...fg, a: fg.a * opacity(el)}, bg);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const text = placeholder ? el.placeholder : el.innerText || el.textContent;
    out.push({text: text.trim().slice(0, 60), ratio: Math.round(ratio(fg, bg) * 100) / 100, need,
      fg: s.color, bg: `rgb(${Math.round(bg.r)},${Math.round(bg.g)},${Math.round(bg.b)})`,
      tag: el.tagName, cls: String(el.className).slice(0, 60)});
  }
  return out;
}
