// The live chart (app_ui/live_chart.py): contour, paths, hot controls, player and state
// inspector, recomputed by the browser engine (OptimEngine, prepended to this file) on
// every input event and drawn in the next animation frame.  Nothing reaches the server
// while a control moves; a release sends the values once (trigger "commit").
const INSTANCES = new WeakMap();
const SLIDER_POSITIONS = 1000;
const PLAY_STEPS_PER_SECOND = 30;
const ARROW_VIEW_FRACTION = 0.15; // viz.arrows.ARROW_VIEW_FRACTION
const MARGIN = { left: 46, right: 8, top: 8, bottom: 26 };
const START_GRAB_PX = 14;
const NARROW_WIDTH = 560; // px of the chart below which it is laid out for a phone
const SCHEDULE_PREFIX = "sched_"; // live_chart.SCHEDULE_PREFIX
const COMMIT_DELAY_MS = 300; // key presses closer than this commit once
const MOMENTUM_SLOTS = ["velocity", "m_bar", "m_hat"]; // viz.arrows._MOMENTUM_SLOTS
// Canvas dash patterns for the Plotly dash names of viz.style.OPTIMIZER_DASH (pixels).
const DASH_PATTERNS = { solid: [], dash: [9, 5], dot: [2, 4], dashdot: [9, 4, 2, 4] };

// Numbers the server sent as base64 of little-endian float64 (live_chart.packed).
// Idempotent: the same data object may be rendered again.
function unpack(value) {
  if (value instanceof Float64Array) return value;
  const bytes = Uint8Array.from(atob(value.f64), (c) => c.charCodeAt(0));
  return new Float64Array(bytes.buffer);
}

function quantize(value, control) {
  if (control.int) return Math.round(value);
  const digits = control.log ? 3 : 4;
  return Number(value.toPrecision(digits));
}

function sliderRange(control) {
  // The range always holds the current value, whatever the URL or the code set.
  const low = Math.min(control.low, control.value);
  const high = Math.max(control.high, control.value);
  const logLow = control.log && low <= 0 ? Math.min(control.value || 1e-12, 1e-12) : low;
  return { low: control.log ? logLow : low, high };
}

function toPosition(value, control) {
  const { low, high } = sliderRange(control);
  if (control.int) return value;
  if (high === low) return 0;
  const share = control.log
    ? Math.log(value / low) / Math.log(high / low)
    : (value - low) / (high - low);
  return Math.round(SLIDER_POSITIONS * Math.min(Math.max(share, 0), 1));
}

function fromPosition(position, control) {
  const { low, high } = sliderRange(control);
  if (control.int) return Math.round(position);
  const share = position / SLIDER_POSITIONS;
  const raw = control.log ? low * Math.pow(high / low, share) : low + share * (high - low);
  if (position <= 0) return low;
  if (position >= SLIDER_POSITIONS) return high;
  return quantize(raw, control);
}

// A run's live controls: its hyperparameters, then its schedule's parameters.
function runControls(run) {
  return [...run.controls, ...run.schedule.controls];
}

// The run's schedule config with the values its controls hold now (`sched_<param>`).
function scheduleConfig(base, values) {
  const config = Object.assign({}, base);
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith(SCHEDULE_PREFIX)) config[name.slice(SCHEDULE_PREFIX.length)] = value;
  }
  return config;
}

function formatNumber(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function niceTicks(low, high, count) {
  const span = high - low;
  const step0 = Math.pow(10, Math.floor(Math.log10(span / count)));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= count) || step0 * 10;
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + 1e-9 * span; v += step) {
    ticks.push(Math.abs(v) < 1e-12 * span ? 0 : v);
  }
  return ticks;
}

// The contour image of viz/background.py (`contour_background`), drawn in the browser while
// a surface parameter moves and the server's PNG is stale: the same grid, level rule
// (viz.style.contour_grid), bands, colours and band edges, from `rule`
// (viz.background.browser_rule).  `floorValues`: f at the minima, for log-scaled levels.
function contourImage(surface, params, domain, rule, floorValues) {
  const n = rule.resolution;
  const [[x0, x1], [y0, y1]] = domain;
  const f = new Float64Array(n * n);
  let lo = Infinity, hi = -Infinity;
  for (let j = 0; j < n; j++) {
    const y = j === n - 1 ? y1 : y0 + (j * (y1 - y0)) / (n - 1);
    for (let i = 0; i < n; i++) {
      const v = surface.nvalue(i === n - 1 ? x1 : x0 + (i * (x1 - x0)) / (n - 1), y, params);
      f[j * n + i] = v;
      if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
  }
  if (lo > hi) lo = hi = 0;
  for (let k = 0; k < f.length; k++) if (!Number.isFinite(f[k])) f[k] = hi;
  const L = rule.levelCount;
  const linspace = (a, b) => Array.from({ length: L }, (_, k) => (k === L - 1 ? b : a + (k * (b - a)) / (L - 1)));
  let levels;
  if (rule.log) {
    const floor = Math.min(lo, ...floorValues);
    const offset = floor - 1e-3 * Math.max(hi - floor, 1e-12) * 1e-3;
    let zlo = Infinity, zhi = -Infinity;
    for (let k = 0; k < f.length; k++) {
      f[k] = Math.log10(Math.max(f[k] - offset, 1e-300));
      if (f[k] < zlo) zlo = f[k];
      if (f[k] > zhi) zhi = f[k];
    }
    levels = linspace(zlo, zhi);
  } else {
    let top = hi;
    if (f.length > 10) { // numpy.quantile's default (linear) rule
      const sorted = Float64Array.from(f).sort();
      const at = rule.quantile * (sorted.length - 1), below = Math.floor(at);
      top = sorted[below] + (at - below) * ((sorted[Math.min(below + 1, sorted.length - 1)]) - sorted[below]);
    }
    levels = linspace(lo, Math.max(top, lo + 1e-12));
  }
  const S = rule.supersampling, W = rule.width * S, H = rule.height * S;
  const column = new Int32Array(W), columnWeight = new Float64Array(W);
  for (let c = 0; c < W; c++) {
    const fx = ((c + 0.5) / W) * (n - 1);
    column[c] = Math.min(Math.max(Math.floor(fx), 0), n - 2);
    columnWeight[c] = fx - column[c];
  }
  const band = new Uint8Array(W * H);
  for (let r = 0; r < H; r++) { // viz.background._resample: bilinear, row 0 at the top
    const fy = (1 - (r + 0.5) / H) * (n - 1);
    const yi = Math.min(Math.max(Math.floor(fy), 0), n - 2), wy = fy - yi;
    for (let c = 0; c < W; c++) {
      const wx = columnWeight[c], a = yi * n + column[c], b = a + n;
      const z = (f[a] * (1 - wx) + f[a + 1] * wx) * (1 - wy) + (f[b] * (1 - wx) + f[b + 1] * wx) * wy;
      let low = 0, high = L; // numpy.searchsorted(levels, z): the number of levels below z
      while (low < high) { const mid = (low + high) >> 1; if (levels[mid] < z) low = mid + 1; else high = mid; }
      band[r * W + c] = low;
    }
  }
  const palette = Uint8Array.from(rule.palette.flat());
  const image = new ImageData(rule.width, rule.height), out = image.data, area = S * S;
  for (let r = 0, o = 0; r < rule.height; r++) {
    for (let c = 0; c < rule.width; c++, o += 4) {
      let red = 0, green = 0, blue = 0;
      for (let dr = 0; dr < S; dr++) {
        const rr = r * S + dr;
        for (let dc = 0; dc < S; dc++) {
          const cc = c * S + dc, k = rr * W + cc, b = band[k];
          const edge = (cc > 0 && band[k - 1] !== b) || (rr > 0 && band[k - W] !== b);
          const i = 3 * (b + (edge ? L + 1 : 0));
          red += palette[i]; green += palette[i + 1]; blue += palette[i + 2];
        }
      }
      out[o] = Math.round(red / area);
      out[o + 1] = Math.round(green / area);
      out[o + 2] = Math.round(blue / area);
      out[o + 3] = 255;
    }
  }
  return image;
}

// A critical point of the surface followed to new parameters by Newton's method on the
// gradient from where it was; null when it does not settle inside the view.
function followCritical(surface, params, point, domain) {
  let [x, y] = point;
  const [[x0, x1], [y0, y1]] = domain;
  const tolerance = 1e-9 * Math.max(x1 - x0, y1 - y0);
  for (let k = 0; k < 30; k++) {
    const gx = surface.ndx(x, y, params), gy = surface.ndy(x, y, params);
    const hxx = surface.ndxx(x, y, params), hxy = surface.ndxy(x, y, params), hyy = surface.ndyy(x, y, params);
    const det = hxx * hyy - hxy * hxy;
    if (!Number.isFinite(det) || det === 0) return null;
    const dx = (hyy * gx - hxy * gy) / det, dy = (hxx * gy - hxy * gx) / det;
    x -= dx; y -= dy;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    if (Math.hypot(dx, dy) <= tolerance) {
      return x >= x0 && x <= x1 && y >= y0 && y <= y1 ? [x, y] : null;
    }
  }
  return null;
}

class LiveChart {
  constructor(parent) {
    this.parent = parent;
    this.root = document.createElement("div");
    this.root.className = "lc";
    this.root.liveChart = this; // for the browser tests and benchmarks/live_benchmark.py
    parent.appendChild(this.root);
    this.sentSeq = -1;
    this.playing = false;
    this.speed = 1;
    this.selected = 0;
    this.frameRequested = false;
    this.pendingEvents = [];
    this.surfaceCache = new Map();
    this.image = new Image();
    this.image.onload = () => this.requestDraw(null);
    this.resizeObserver = new ResizeObserver(() => this.requestDraw(null));
  }

  // --- data from the server -------------------------------------------------------------
  update(data, send) {
    this.send = send;
    if (data.commitSeq < this.sentSeq) return; // a newer release is on its way
    if (this.interacting) {
      this.deferred = data; // taken once the pointer is released, unless a release supersedes it
      return;
    }
    this.deferred = null;
    this.sentSeq = data.commitSeq;
    const draws = unpack(data.noiseDraws);
    for (const run of data.runs) {
      run.server.path = unpack(run.server.path);
      run.server.loss = unpack(run.server.loss);
      if (run.browser) run.browser.noise = draws;
    }
    const structure = JSON.stringify([data.mode, data.strings, data.runs.map((r) =>
      [r.label, r.optimizer, r.schedule.title, runControls(r).map((c) => c.key)]),
      data.surface.controls.map((c) => c.key)]);
    this.data = data;
    this.surface = this.compileSurface(data.surface.js);
    this.contourKey = null; // the browser's contour follows the new data's surface and theme
    this.values = {
      start: data.start.slice(),
      steps: data.steps.value,
      noise: data.noise.value,
      surface: Object.fromEntries(data.surface.controls.map((c) => [c.name, c.value])),
      runs: data.runs.map((r) => Object.fromEntries(runControls(r).map((c) => [c.name, c.value]))),
    };
    this.committedKey = this.inputsKey();
    if (this.image.src !== data.surface.background) this.image.src = data.surface.background;
    if (structure !== this.structure) {
      this.structure = structure;
      this.build();
    }
    this.syncControls();
    if (!this.playing) this.step = Math.min(data.step, this.values.steps);
    this.recompute();
    this.requestDraw(null);
  }

  compileSurface(source) {
    if (!this.surfaceCache.has(source)) {
      this.surfaceCache.set(source, new Function(`return ${source};`)());
    }
    return this.surfaceCache.get(source);
  }

  // --- the DOM ------------------------------------------------------------------------------
  build() {
    const s = this.data.strings;
    const compare = this.data.mode === "compare";
    this.root.innerHTML = `
      <div class="lc-body">
        <div class="lc-plot"><canvas class="lc-canvas" data-testid="live-canvas"></canvas>
          <div class="lc-note" hidden></div><div class="lc-legend"></div></div>
        <div class="lc-panel">
          <div class="lc-heading">${s.settings}</div>
          <div class="lc-shared"></div>
          ${compare ? '<div class="lc-tabs" role="tablist"></div>' : ""}
          <div class="lc-run-controls"></div>
        </div>
      </div>
      <div class="lc-player">
        <button class="lc-first" title="${s.first}">|◀</button>
        <button class="lc-prev" title="${s.previous}">◀</button>
        <button class="lc-play" data-testid="live-play">${s.play}</button>
        <button class="lc-next" title="${s.next}">▶</button>
        <button class="lc-last" title="${s.last}">▶|</button>
        <input class="lc-scrub" type="range" min="0" step="1" aria-label="${s.step}" data-testid="live-scrub">
        <span class="lc-step-label" data-testid="live-step"></span>
        <select class="lc-speed" aria-label="${s.speed}">
          <option value="1">1×</option><option value="4">4×</option><option value="16">16×</option>
        </select>
      </div>
      <div class="lc-lower">
        <div class="lc-loss-box"><div class="lc-heading">${s.loss}</div><canvas class="lc-loss"></canvas></div>
        <div class="lc-inspector" data-testid="live-inspector"></div>
      </div>`;
    const q = (sel) => this.root.querySelector(sel);
    this.canvas = q(".lc-canvas");
    this.lossCanvas = q(".lc-loss");
    this.note = q(".lc-note");
    this.scrub = q(".lc-scrub");
    this.stepLabel = q(".lc-step-label");
    this.inspector = q(".lc-inspector");
    this.inspectorHtml = null;
    this.playButton = q(".lc-play");
    this.buildLegend(q(".lc-legend"));
    this.resizeObserver.disconnect();
    this.resizeObserver.observe(this.root);
    const shared = q(".lc-shared");
    const sharedControls = [this.data.steps, this.data.noise, ...this.data.surface.controls];
    this.controlInputs = [];
    for (const control of sharedControls) shared.appendChild(this.controlRow(control, null));
    if (compare) {
      const tabs = q(".lc-tabs");
      this.data.runs.forEach((run, i) => {
        const tab = document.createElement("button");
        tab.className = "lc-tab";
        tab.setAttribute("role", "tab");
        tab.style.borderColor = run.color;
        tab.textContent = run.label;
        tab.onclick = () => {
          this.selected = i;
          this.showRunControls();
        };
        tabs.appendChild(tab);
      });
    }
    this.selected = Math.min(this.selected, this.data.runs.length - 1);
    this.showRunControls();
    this.bindPlayer();
    this.bindCanvas();
  }

  buildLegend(box) {
    const s = this.data.strings;
    const ink = this.data.dark ? "#FAFAFA" : "#31333F";
    const items = this.data.runs.map((run) => [`<i class="lc-line" style="background:${run.color}"></i>`, run.label]);
    items.push(['<i class="lc-dot"></i>', s.start]);
    if (this.data.surface.minima.length) items.push(['<i class="lc-star">★</i>', s.minimum]);
    if (this.data.surface.saddles.length) items.push([`<i class="lc-diamond" style="border-color:${ink}"></i>`, s.saddle]);
    items.push(["✕", s.diverged]);
    if (this.data.mode === "explore") {
      for (const kind of ["gradient", "momentum", "update"]) {
        items.push([`<i class="lc-line" style="background:${this.data.style.arrows[kind]}"></i>`, s[`arrow_${kind}`]]);
      }
    }
    const escape = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    box.innerHTML = items.map(([mark, label]) => `<span>${mark} ${escape(label)}</span>`).join("");
  }

  showRunControls() {
    const box = this.root.querySelector(".lc-run-controls");
    box.innerHTML = "";
    this.controlInputs = this.controlInputs.filter((c) => c.run === null);
    this.data.runs.forEach((run, i) => {
      const group = document.createElement("div");
      group.className = "lc-run";
      group.hidden = i !== this.selected;
      const title = document.createElement("div");
      title.className = "lc-run-title";
      title.style.borderLeftColor = run.color;
      title.textContent = run.label;
      group.appendChild(title);
      if (!run.browser) {
        const note = document.createElement("div");
        note.className = "lc-small";
        note.textContent = this.data.strings.server_only;
        group.appendChild(note);
      }
      for (const control of run.controls) group.appendChild(this.controlRow(control, i));
      if (run.schedule.controls.length) {
        const heading = document.createElement("div");
        heading.className = "lc-schedule-title";
        heading.textContent = run.schedule.title;
        group.appendChild(heading);
        for (const control of run.schedule.controls) group.appendChild(this.controlRow(control, i));
      }
      box.appendChild(group);
    });
    this.root.querySelectorAll(".lc-tab").forEach((tab, i) =>
      tab.setAttribute("aria-selected", String(i === this.selected)));
  }

  controlRow(control, run) {
    const row = document.createElement("label");
    row.className = "lc-control";
    row.innerHTML = `<span class="lc-label"></span><span class="lc-value"></span>
      <input type="range" data-key="${control.key}">`;
    row.querySelector(".lc-label").textContent = control.label;
    const input = row.querySelector("input");
    const value = row.querySelector(".lc-value");
    if (control.int) {
      input.min = String(control.low);
      input.max = String(Math.max(control.high, control.value));
      input.step = "1";
    } else {
      input.min = "0";
      input.max = String(SLIDER_POSITIONS);
      input.step = "1";
    }
    input.addEventListener("pointerdown", () => (this.interacting = true));
    input.addEventListener("pointerup", () => this.endInteraction());
    const entry = { control, run, input, value };
    this.controlInputs.push(entry);
    input.addEventListener("input", (event) => {
      this.setValue(entry, fromPosition(Number(input.value), control));
      this.changed(event);
    });
    // A release (or a key press, which is one) commits; a burst of key presses commits once.
    input.addEventListener("change", () => this.commitSoon());
    return row;
  }

  endInteraction() {
    // After the release's own "change" (which may fire after pointerup) reserved its seq.
    setTimeout(() => {
      this.interacting = false;
      if (this.deferred) this.update(this.deferred, this.send);
    }, 0);
  }

  getValue(entry) {
    const { control, run } = entry;
    if (run !== null) return this.values.runs[run][control.name];
    if (control.key === "steps") return this.values.steps;
    if (control.key === "noise") return this.values.noise;
    return this.values.surface[control.name];
  }

  setValue(entry, v) {
    const { control, run } = entry;
    if (run !== null) this.values.runs[run][control.name] = v;
    else if (control.key === "steps") this.values.steps = v;
    else if (control.key === "noise") this.values.noise = v;
    else this.values.surface[control.name] = v;
    entry.value.textContent = formatNumber(v);
  }

  syncControls() {
    for (const entry of this.controlInputs) {
      const v = this.getValue(entry);
      entry.input.value = String(toPosition(v, entry.control));
      entry.value.textContent = formatNumber(v);
    }
  }

  // --- the engine ---------------------------------------------------------------------------
  inputsKey() {
    const v = this.values;
    return JSON.stringify([v.start, v.steps, v.noise, v.surface]);
  }

  recompute() {
    const v = this.values;
    const params = this.surface.params.map((name) => v.surface[name]);
    const sharedUnchanged = this.inputsKey() === this.committedKey;
    this.results = this.data.runs.map((run, i) => {
      if (!run.browser) {
        // L-BFGS: the server's path, only while it answers the settings on screen.
        if (!sharedUnchanged) return null;
        return { path: Float64Array.from(run.server.path), loss: Float64Array.from(run.server.loss),
          records: null, divergedAt: run.server.divergedAt, steps: this.data.steps.value };
      }
      const b = run.browser;
      const values = v.runs[i];
      const schedule = scheduleConfig(b.schedule, values);
      const o = Object.assign({}, b, {
        start: v.start, steps: v.steps, params, noiseSigma: v.noise, schedule,
        plateau: b.plateau && [b.plateau[0], ...run.schedule.plateauKeys.map((k) => schedule[k])],
        lr: values.lr !== undefined ? values.lr : b.lr,
        weightDecay: values.weight_decay !== undefined ? values.weight_decay : b.weightDecay,
        hyper: b.optimizer === "newton" ? [values.damping]
          : OPTIM_RULES[b.optimizer].hyper.map((name, k) => (name in values ? values[name] : b.hyper[k])),
      });
      const result = OptimEngine.run(this.surface, o);
      result.steps = v.steps;
      return result;
    });
    this.step = Math.min(this.step, v.steps);
  }

  // --- events ---------------------------------------------------------------------------------
  changed(event) {
    this.recompute();
    this.requestDraw(event);
  }

  reserveSeq() {
    // Taken when the release happens, so a rerun that answers an older release (arriving
    // before this one is sent) cannot put the old values back.
    this.sentSeq = Math.max(this.sentSeq, this.data.commitSeq) + 1;
    return this.sentSeq;
  }

  commit() {
    const seq = this.reserveSeq();
    clearTimeout(this.commitTimer);
    const v = this.values;
    const payload = {
      seq,
      start: v.start,
      steps: v.steps,
      noise: v.noise,
      surface: v.surface,
      runs: this.data.runs.map((run, i) => ({ slot: run.slot, values: v.runs[i] }))
        .filter((r, i) => runControls(this.data.runs[i]).length),
    };
    if (this.data.mode === "explore") payload.step = this.step;
    // Sent after the frame that shows the change is painted: Streamlit's own work on the
    // message must not delay it.
    requestAnimationFrame(() => setTimeout(() => this.send("commit", payload), 0));
  }

  bindPlayer() {
    const q = (sel) => this.root.querySelector(sel);
    const go = (step, commit) => {
      this.setStep(step);
      if (commit && this.data.mode === "explore") this.commitSoon();
    };
    q(".lc-first").onclick = () => go(0, true);
    q(".lc-prev").onclick = () => go(this.step - 1, true);
    q(".lc-next").onclick = () => go(this.step + 1, true);
    q(".lc-last").onclick = () => go(this.values.steps, true);
    this.playButton.onclick = () => (this.playing ? this.pause() : this.play());
    q(".lc-speed").onchange = (e) => (this.speed = Number(e.target.value));
    this.scrub.addEventListener("input", (event) => {
      this.step = Number(this.scrub.value);
      this.requestDraw(event);
    });
    this.scrub.addEventListener("change", () => {
      if (this.data.mode === "explore") this.commit();
    });
  }

  commitSoon() {
    this.reserveSeq();
    clearTimeout(this.commitTimer);
    this.commitTimer = setTimeout(() => this.commit(), COMMIT_DELAY_MS);
  }

  setStep(step) {
    this.step = Math.max(0, Math.min(this.values.steps, step));
    this.requestDraw(null);
  }

  play() {
    if (this.step >= this.values.steps) this.step = 0;
    this.playing = true;
    this.playButton.textContent = this.data.strings.pause;
    let last = performance.now();
    let carry = 0;
    const tick = (now) => {
      if (!this.playing) return;
      carry += ((now - last) / 1000) * PLAY_STEPS_PER_SECOND * this.speed;
      last = now;
      const advance = Math.floor(carry);
      if (advance > 0) {
        carry -= advance;
        this.step = Math.min(this.values.steps, this.step + advance);
        this.draw();
      }
      if (this.step >= this.values.steps) return this.pause();
      this.playFrame = requestAnimationFrame(tick);
    };
    this.playFrame = requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    cancelAnimationFrame(this.playFrame);
    this.playButton.textContent = this.data.strings.play;
    if (this.data.mode === "explore") this.commit();
  }

  stop() {
    this.playing = false;
    cancelAnimationFrame(this.playFrame);
  }

  bindCanvas() {
    const canvas = this.canvas;
    const pointer = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [event.clientX - rect.left, event.clientY - rect.top];
    };
    canvas.addEventListener("pointerdown", (event) => {
      const [px, py] = pointer(event);
      const [sx, sy] = this.toPixel(this.values.start);
      if (Math.hypot(px - sx, py - sy) > START_GRAB_PX && !this.inPlot(px, py)) return;
      this.dragging = true;
      this.interacting = true;
      canvas.setPointerCapture(event.pointerId);
      this.moveStart(px, py, event);
    });
    canvas.addEventListener("pointermove", (event) => {
      const [px, py] = pointer(event);
      if (!this.dragging) {
        const [sx, sy] = this.toPixel(this.values.start);
        canvas.style.cursor = Math.hypot(px - sx, py - sy) <= START_GRAB_PX ? "grab" : "crosshair";
        return;
      }
      this.moveStart(px, py, event);
    });
    const release = () => {
      if (!this.dragging) return;
      this.dragging = false;
      this.commit();
      this.endInteraction();
    };
    canvas.addEventListener("pointerup", release);
    canvas.addEventListener("pointercancel", release);
  }

  inPlot(px, py) {
    const p = this.plot;
    return p && px >= p.left && px <= p.left + p.width && py >= p.top && py <= p.top + p.height;
  }

  moveStart(px, py, event) {
    const [x, y] = this.fromPixel(px, py);
    const limit = this.data.startLimit;
    const clamp = (v) => Math.max(-limit, Math.min(limit, Number(v.toFixed(4))));
    this.values.start = [clamp(x), clamp(y)];
    this.changed(event);
  }

  // --- drawing ------------------------------------------------------------------------------
  requestDraw(event) {
    if (event) this.pendingEvents.push(event.timeStamp);
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
      const events = this.pendingEvents;
      this.pendingEvents = [];
      if (events.length) {
        // A task queued from the frame runs once the frame is painted: what
        // benchmarks/live_benchmark.py measures.
        const channel = new MessageChannel();
        channel.port1.onmessage = () =>
          this.root.dispatchEvent(new CustomEvent("live-painted", {
            bubbles: true, composed: true, detail: { events, painted: performance.now() } }));
        channel.port2.postMessage(null);
      }
    });
  }

  toPixel([x, y]) {
    const p = this.plot;
    const [[x0, x1], [y0, y1]] = this.data.surface.domain;
    return [p.left + ((x - x0) / (x1 - x0)) * p.width, p.top + (1 - (y - y0) / (y1 - y0)) * p.height];
  }

  fromPixel(px, py) {
    const p = this.plot;
    const [[x0, x1], [y0, y1]] = this.data.surface.domain;
    return [x0 + ((px - p.left) / p.width) * (x1 - x0), y0 + (1 - (py - p.top) / p.height) * (y1 - y0)];
  }

  sizeCanvas(canvas, width, height) {
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  draw() {
    if (!this.canvas || !this.results) return;
    const box = this.canvas.parentElement;
    const width = Math.max(240, box.clientWidth);
    const aspect = this.image.naturalWidth ? this.image.naturalHeight / this.image.naturalWidth : 2 / 3;
    const plotWidth = width - MARGIN.left - MARGIN.right;
    const maxHeight = Math.max(240, window.innerHeight * 0.72);
    // A phone-wide chart is drawn about square (a 2:1 view box would leave a strip of
    // contour 150 px tall); a wide one keeps the view box's shape.
    const shape = width < NARROW_WIDTH ? Math.max(aspect, 1) : aspect;
    const plotHeight = Math.min(plotWidth * shape, maxHeight - MARGIN.top - MARGIN.bottom);
    const height = plotHeight + MARGIN.top + MARGIN.bottom;
    this.plot = { left: MARGIN.left, top: MARGIN.top, width: plotWidth, height: plotHeight };
    const ctx = this.sizeCanvas(this.canvas, width, height);
    const dark = this.data.dark;
    const ink = dark ? "#FAFAFA" : "#31333F";
    ctx.clearRect(0, 0, width, height);
    const p = this.plot;
    const stale = this.data.surface.controls.some((c) => this.values.surface[c.name] !== c.value);
    const contour = stale ? this.liveContour() : this.image.complete && this.image.naturalWidth ? this.image : null;
    if (contour) ctx.drawImage(contour, p.left, p.top, p.width, p.height);
    this.drawAxes(ctx, ink);
    ctx.save();
    ctx.beginPath();
    ctx.rect(p.left, p.top, p.width, p.height);
    ctx.clip();
    this.note.hidden = this.results.every((r) => r);
    this.note.textContent = this.data.strings.server_only;
    this.results.forEach((result, i) => result && this.drawPath(ctx, result, this.data.runs[i].color, this.data.runs[i].dash));
    if (this.data.mode === "explore") this.drawArrows(ctx);
    this.drawStart(ctx);
    this.drawCritical(ctx, ink, stale ? this.followed : this.data.surface);
    ctx.restore();
    this.scrub.max = String(this.values.steps);
    this.scrub.value = String(this.step);
    this.stepLabel.textContent = `${this.data.strings.step} ${this.step} / ${this.values.steps}`;
    this.drawLoss(dark, ink);
    this.drawInspector();
    this.drawnData = this.data; // the server's data now on screen (benchmarks/browser_benchmark.py)
  }

  drawAxes(ctx, ink) {
    const p = this.plot;
    const [[x0, x1], [y0, y1]] = this.data.surface.domain;
    ctx.fillStyle = ink;
    ctx.font = "12px 'Noto Sans', 'Noto Sans KR', sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of niceTicks(x0, x1, 8)) {
      const [px] = this.toPixel([v, y0]);
      ctx.fillText(formatNumber(v), px, p.top + p.height + 5);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of niceTicks(y0, y1, 6)) {
      const [, py] = this.toPixel([x0, v]);
      ctx.fillText(formatNumber(v), p.left - 5, py);
    }
  }

  drawPath(ctx, result, color, dash) {
    const T = result.steps;
    const path = result.path;
    ctx.lineJoin = "round";
    ctx.strokeStyle = color;
    ctx.setLineDash(DASH_PATTERNS[dash] || []);
    // The whole run faintly, the part up to the step on screen in full.
    for (const [last, alpha, width] of [[T, 0.3, 1.5], [Math.min(this.step, T), 1, 2.5]]) {
      ctx.globalAlpha = alpha;
      ctx.lineWidth = width;
      ctx.beginPath();
      for (let t = 0; t <= last; t++) {
        const [px, py] = this.toPixel([path[2 * t], path[2 * t + 1]]);
        if (t === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    const k = Math.min(this.step, T);
    const [px, py] = this.toPixel([path[2 * k], path[2 * k + 1]]);
    if (result.divergedAt >= 0 && k >= result.divergedAt) {
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(px - 7, py - 7); ctx.lineTo(px + 7, py + 7);
      ctx.moveTo(px + 7, py - 7); ctx.lineTo(px - 7, py + 7);
      ctx.stroke();
    } else {
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(px, py, 5.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#FFFFFF";
      ctx.stroke();
    }
  }

  drawStart(ctx) {
    const [sx, sy] = this.toPixel(this.values.start);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#000000"; // the white circle the hint names, on either page
    ctx.fillStyle = "#FFFFFF";
    ctx.beginPath();
    ctx.arc(sx, sy, 8, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }

  // The contour for the surface parameters on screen while they differ from the server's
  // (its PNG is redrawn on release), and the minima and saddles followed there.
  liveContour() {
    const params = this.surface.params.map((n) => this.values.surface[n]);
    const key = params.join(",");
    if (this.contourKey !== key) {
      const { domain, minima, saddles } = this.data.surface;
      const follow = (points) => points.map((q) => followCritical(this.surface, params, q, domain)).filter((q) => q);
      this.followed = { minima: follow(minima), saddles: follow(saddles) };
      const floorValues = this.followed.minima.map(([x, y]) => this.surface.nvalue(x, y, params));
      const image = contourImage(this.surface, params, domain, this.data.surface.contour, floorValues);
      this.contourCanvas ||= document.createElement("canvas");
      this.contourCanvas.width = image.width;
      this.contourCanvas.height = image.height;
      this.contourCanvas.getContext("2d").putImageData(image, 0, 0);
      this.contourKey = key;
    }
    return this.contourCanvas;
  }

  drawCritical(ctx, ink, points) {
    // Saddles as hollow diamonds (not the cross of a diverged run), minima as stars on top.
    ctx.lineWidth = 2;
    ctx.strokeStyle = ink;
    for (const point of points.saddles) {
      const [px, py] = this.toPixel(point);
      ctx.beginPath();
      ctx.moveTo(px, py - 8); ctx.lineTo(px + 8, py); ctx.lineTo(px, py + 8); ctx.lineTo(px - 8, py);
      ctx.closePath();
      ctx.stroke();
    }
    for (const point of points.minima) {
      const [px, py] = this.toPixel(point);
      ctx.beginPath();
      for (let i = 0; i < 10; i++) {
        const r = i % 2 ? 4.5 : 11;
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        ctx.lineTo(px + r * Math.cos(a), py + r * Math.sin(a));
      }
      ctx.closePath();
      ctx.fillStyle = "#F0E442";
      ctx.fill();
      ctx.strokeStyle = "#000000";
      ctx.lineWidth = 1.2;
      ctx.stroke();
    }
  }

  arrowVectors(result, k) {
    // viz.arrows.arrow_vectors, from the browser's records.
    if (!result || !result.records || k < 1 || (result.divergedAt >= 0 && k >= result.divergedAt)) return [];
    const slots = result.slots;
    const n = slots.length;
    const rec = (name) => {
      const s = slots.indexOf(name);
      return s < 0 ? null : [result.records[(k * n + s) * 2], result.records[(k * n + s) * 2 + 1]];
    };
    const origin = [result.path[2 * k - 2], result.path[2 * k - 1]];
    const rate = result.lr[k - 1];
    const update = [result.path[2 * k] - origin[0], result.path[2 * k + 1] - origin[1]];
    const out = [];
    const g = rec("g");
    const gradient = g ? [-rate * g[0], -rate * g[1]] : null;
    if (gradient) out.push(["gradient", gradient]);
    const slot = MOMENTUM_SLOTS.find((name) => slots.includes(name));
    if (slot === "velocity" && gradient) out.push(["momentum", [update[0] - gradient[0], update[1] - gradient[1]]]);
    else if (slot) {
      const m = rec(slot);
      out.push(["momentum", [-rate * m[0], -rate * m[1]]]);
    }
    out.push(["update", update]);
    return out.map(([kind, v]) => ({ kind, origin, v }));
  }

  drawArrows(ctx) {
    const arrows = this.arrowVectors(this.results[0], this.step);
    if (!arrows.length) return;
    const [[x0, x1], [y0, y1]] = this.data.surface.domain;
    const view = Math.max(x1 - x0, y1 - y0);
    const longest = Math.max(...arrows.map((a) => Math.hypot(a.v[0], a.v[1])));
    const scale = longest > 0 && longest < ARROW_VIEW_FRACTION * view * 0.2
      ? (ARROW_VIEW_FRACTION * view) / longest : 1;
    for (const { kind, origin, v } of arrows) {
      const [ax, ay] = this.toPixel(origin);
      const [bx, by] = this.toPixel([origin[0] + scale * v[0], origin[1] + scale * v[1]]);
      const color = this.data.style.arrows[kind];
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
      const angle = Math.atan2(by - ay, bx - ax);
      ctx.beginPath();
      ctx.moveTo(bx, by);
      ctx.lineTo(bx - 10 * Math.cos(angle - 0.4), by - 10 * Math.sin(angle - 0.4));
      ctx.lineTo(bx - 10 * Math.cos(angle + 0.4), by - 10 * Math.sin(angle + 0.4));
      ctx.closePath();
      ctx.fill();
    }
  }

  drawLoss(dark, ink) {
    const box = this.lossCanvas.parentElement;
    const width = Math.max(200, box.clientWidth);
    const height = 160;
    const ctx = this.sizeCanvas(this.lossCanvas, width, height);
    ctx.clearRect(0, 0, width, height);
    const left = 46, bottom = 20, top = 6;
    const T = this.values.steps;
    const lows = this.data.surface.minima.map((m) => this.surface.nvalue(m[0], m[1],
      this.surface.params.map((n) => this.values.surface[n])));
    let floor = lows.length ? Math.min(...lows) : Infinity;
    for (const r of this.results) if (r) for (const f of r.loss) if (f < floor) floor = f;
    const gap = (f) => Math.log10(Math.max(f - floor, 1e-16));
    let lo = Infinity, hi = -Infinity;
    for (const r of this.results) if (r) for (const f of r.loss) { const g = gap(f); lo = Math.min(lo, g); hi = Math.max(hi, g); }
    if (!(hi > lo)) { hi = lo + 1; }
    const px = (t) => left + (t / Math.max(T, 1)) * (width - left - 8);
    const py = (g) => top + (1 - (g - lo) / (hi - lo)) * (height - top - bottom);
    ctx.fillStyle = ink;
    ctx.font = "11px 'Noto Sans', 'Noto Sans KR', sans-serif";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(`1e${Math.round(hi)}`, left - 4, py(hi));
    ctx.fillText(`1e${Math.round(lo)}`, left - 4, py(lo));
    this.results.forEach((r, i) => {
      if (!r) return;
      ctx.strokeStyle = this.data.runs[i].color;
      ctx.lineWidth = 1.8;
      ctx.beginPath();
      for (let t = 0; t < r.loss.length; t++) {
        if (t === 0) ctx.moveTo(px(t), py(gap(r.loss[t])));
        else ctx.lineTo(px(t), py(gap(r.loss[t])));
      }
      ctx.stroke();
    });
    ctx.strokeStyle = dark ? "rgba(255,255,255,0.5)" : "rgba(0,0,0,0.4)";
    ctx.beginPath();
    ctx.moveTo(px(this.step), top);
    ctx.lineTo(px(this.step), height - bottom);
    ctx.stroke();
  }

  setInspector(html) {
    // Only when the text changes: a new table costs the browser a layout.
    if (html !== this.inspectorHtml) {
      this.inspectorHtml = html;
      this.inspector.innerHTML = html;
    }
  }

  drawInspector() {
    const s = this.data.strings;
    const k = this.step;
    const cell = (v) => `<td class="lc-num">${formatNumber(v)}</td>`;
    const vector = (x, y) => cell(x) + cell(y);
    const escape = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    if (this.data.mode === "compare") {
      const rows = this.results.map((r, i) => {
        const run = this.data.runs[i];
        if (!r) return `<tr><td>${escape(run.label)}</td><td colspan="3">${escape(s.server_only)}</td></tr>`;
        const t = Math.min(k, r.steps);
        const status = r.divergedAt >= 0 && t >= r.divergedAt ? ` ✕ ${escape(s.diverged)}` : "";
        return `<tr><td><span class="lc-swatch" style="background:${run.color}"></span>${escape(run.label)}${status}</td>
          ${cell(r.loss[t])}${vector(r.path[2 * t], r.path[2 * t + 1])}</tr>`;
      });
      this.setInspector(`<div class="lc-heading">${escape(s.inspector)} · ${escape(s.step)} ${k}</div>
        <table><tr><th>${escape(s.run)}</th><th>f(θ)</th><th>x</th><th>y</th></tr>${rows.join("")}</table>`);
      return;
    }
    const r = this.results[0];
    const run = this.data.runs[0];
    if (!r) {
      this.setInspector(escape(s.server_only));
      return;
    }
    const rows = [`<tr><td>t</td><td class="lc-num" colspan="2">${k}</td><td></td></tr>`];
    if (k >= 1 && r.lr) rows.push(`<tr><td>η_t</td><td class="lc-num" colspan="2">${formatNumber(r.lr[k - 1])}</td><td>${escape(s.rate)}</td></tr>`);
    if (k >= 1) rows.push(`<tr><td>θ_t−1</td>${vector(r.path[2 * k - 2], r.path[2 * k - 1])}<td></td></tr>`);
    if (r.records) {
      run.slots.forEach((slot, n) => {
        const base = (k * run.slots.length + n) * 2;
        rows.push(`<tr><td>${escape(slot.symbol)}</td>${vector(r.records[base], r.records[base + 1])}<td>${escape(slot.help)}</td></tr>`);
      });
    }
    rows.push(`<tr><td>θ_t</td>${vector(r.path[2 * k], r.path[2 * k + 1])}<td></td></tr>`);
    const params = this.surface.params.map((n) => this.values.surface[n]);
    const [x, y] = [r.path[2 * k], r.path[2 * k + 1]];
    rows.push(`<tr><td>∇f(θ_t)</td>${vector(this.surface.ndx(x, y, params), this.surface.ndy(x, y, params))}<td>${escape(s.exact_grad)}</td></tr>`);
    this.setInspector(`<div class="lc-heading" data-testid="live-inspector-title">${escape(s.inspector)} · ${escape(s.step)} ${k}</div>
      <table><tr><th>${escape(s.quantity)}</th><th>x</th><th>y</th><th>${escape(s.meaning)}</th></tr>${rows.join("")}</table>`);
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let chart = INSTANCES.get(parentElement);
  if (!chart || !chart.root.isConnected) {
    chart = new LiveChart(parentElement);
    INSTANCES.set(parentElement, chart);
  }
  chart.update(data, setTriggerValue);
  return () => chart.stop();
}
