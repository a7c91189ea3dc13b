// The browser engine's step loop: one run at a time, the same steps in the same order as
// the compiled loop (`optim_core/codegen.py` LOOP and `_loop_parts.py`) and as
// `second_order.run_newton`.  The update rules come from `OPTIM_RULES`, traced from the
// optimizer definitions by `optim_core/jscodegen.py`; a surface is the object printed by
// `surfaces/jscode.py`.  Nothing here belongs to one first-order optimizer.
const OptimEngine = (function () {
  "use strict";
  const GRADIENT_LIMIT = 1e150; // _loop_parts.GRADIENT_LIMIT
  const [P_ENABLED, P_FACTOR, P_PATIENCE, P_THRESHOLD, P_COOLDOWN, P_MIN_LR] = [0, 1, 2, 3, 4, 5];

  function finite(v) {
    return v - v === 0;
  }

  function centralDifference(surface, p, x, y, h) {
    // _loop_parts.central_difference: Deep Learning from Scratch's numerical_gradient.
    const out = [0, 0];
    for (let axis = 0; axis < 2; axis++) {
      for (const sign of [1.0, -1.0]) {
        const shifted = [x, y];
        shifted[axis] += sign * h;
        const v = surface.value(shifted[0], shifted[1], p);
        out[axis] = sign > 0 ? v : (out[axis] - v) / (2.0 * h);
      }
    }
    return out;
  }

  function receivedGradient(gx, gy, px, py, sigma, relative, z0, z1, decay) {
    const scale = relative ? sigma * Math.sqrt(gx * gx + gy * gy) : sigma;
    gx = gx + scale * z0;
    gy = gy + scale * z1;
    if (decay !== 0.0) {
      gx = gx + px * decay;
      gy = gy + py * decay;
    }
    return [gx, gy];
  }

  function plateauStep(value, lr, base, best, bad, cooldown, multiplier, plateau) {
    if (value < best * (1.0 - plateau[P_THRESHOLD])) {
      best = value;
      bad = 0;
    } else {
      bad += 1;
    }
    if (cooldown > 0) {
      cooldown -= 1;
      bad = 0;
    }
    if (bad > plateau[P_PATIENCE]) {
      const reduced = Math.max(lr * plateau[P_FACTOR], plateau[P_MIN_LR]);
      if (base > 0.0 && lr - reduced > 1e-8) multiplier = reduced / base;
      cooldown = Math.trunc(plateau[P_COOLDOWN]);
      bad = 0;
    }
    return [best, bad, cooldown, multiplier];
  }

  // o: {optimizer, form, hyper (Hyper field order), params, start [x, y], steps,
  //     factors (schedule factors, >= steps; `run` fills them from `schedule`), lr, plateau (6 numbers or null),
  //     noise (standard normal draws [z0, z1, ...] or null), noiseSigma, noiseRelative,
  //     weightDecay, decoupled, fdStep (0: analytic), escapeRadius}
  function runFirstOrder(surface, o) {
    const rule = OPTIM_RULES[o.optimizer];
    const T = o.steps;
    const p = o.params;
    const nSlots = rule.slots.length;
    const path = new Float64Array(2 * (T + 1));
    const loss = new Float64Array(T + 1);
    const records = new Float64Array((T + 1) * nSlots * 2);
    const lrUsed = new Float64Array(T);
    const update = rule.update[o.form];
    const point = rule.point[o.form];
    const h = o.hyper;
    const weightDecay = o.decoupled ? 0.0 : o.weightDecay;
    const decoupledDecay = o.decoupled ? o.weightDecay : 0.0;
    const plateau = o.plateau || [0, 0, 0, 0, 0, 0];
    const adaptLr = plateau[P_ENABLED] > 0.0;
    const moved = point !== undefined || o.fdStep > 0.0;
    const noise = o.noiseSigma > 0 && o.noise ? o.noise : null;
    const perturbed = noise !== null || weightDecay !== 0.0;
    const recordState = rule.recordedState;
    const recordShown = rule.recordedShown;
    const nState = rule.nState;
    let [x, y] = o.start;
    path[0] = x;
    path[1] = y;
    loss[0] = surface.value(x, y, p);
    let grad = [surface.dx(x, y, p), surface.dy(x, y, p)];
    const state = [rule.init(x, h), rule.init(y, h)];
    const shown = [[], []];
    for (let i = 0; i < 2; i++) {
      recordState.forEach((k, slot) => {
        records[(1 + slot) * 2 + i] = state[i][k];
      });
    }
    const R = o.escapeRadius;
    let alive =
      finite(loss[0]) && finite(grad[0]) && finite(grad[1]) && Math.abs(x) <= R && Math.abs(y) <= R;
    let divergedAt = alive ? -1 : 0;
    let best = Infinity, bad = 0, cooldown = 0, multiplier = 1.0;
    let t = 1;
    let ratesSet = 0; // entries of lrUsed written (reduce-on-plateau only)
    for (; t <= T && alive; t++) {
      const theta = [path[2 * t - 2], path[2 * t - 1]];
      let probe = theta;
      if (moved) {
        probe = point ? [point(theta[0], state[0], h)[0], point(theta[1], state[1], h)[0]] : theta;
        grad =
          o.fdStep > 0.0
            ? centralDifference(surface, p, probe[0], probe[1], o.fdStep)
            : [surface.dx(probe[0], probe[1], p), surface.dy(probe[0], probe[1], p)];
      }
      let g = grad;
      if (perturbed) {
        const z0 = noise ? noise[2 * (t - 1)] : 0.0;
        const z1 = noise ? noise[2 * (t - 1) + 1] : 0.0;
        g = receivedGradient(grad[0], grad[1], probe[0], probe[1], o.noiseSigma, o.noiseRelative,
          z0, z1, weightDecay);
      }
      const rate = o.factors[t - 1] * o.lr * multiplier;
      const shrink = rate * decoupledDecay;
      if (adaptLr) lrUsed[ratesSet++] = rate;
      const fresh = [0, 0];
      for (let i = 0; i < 2; i++) {
        const out = update(g[i], state[i], theta[i] - theta[i] * shrink, rate, h);
        fresh[i] = out[0];
        state[i] = out.slice(1, 1 + nState);
        shown[i] = out.slice(1 + nState);
      }
      x = fresh[0];
      y = fresh[1];
      const f = surface.value(x, y, p);
      grad = [surface.dx(x, y, p), surface.dy(x, y, p)];
      // Any inf or NaN in the state or a shown quantity (η/u overflows while u is
      // subnormal) ends the run, as in the compiled loops.
      let total = 0.0;
      for (let i = 0; i < 2; i++) {
        for (const v of state[i]) total += v - v;
        for (const v of shown[i]) total += v - v;
      }
      const healthy =
        Math.abs(g[0]) < GRADIENT_LIMIT && Math.abs(g[1]) < GRADIENT_LIMIT &&
        total === 0 && finite(f) && finite(grad[0]) && finite(grad[1]) &&
        Math.abs(x) <= R && Math.abs(y) <= R;
      if (!healthy) {
        alive = false;
        divergedAt = t;
        break;
      }
      path[2 * t] = x;
      path[2 * t + 1] = y;
      loss[t] = f;
      const base = t * nSlots * 2;
      for (let i = 0; i < 2; i++) {
        records[base + i] = g[i];
        recordState.forEach((k, slot) => {
          records[base + (1 + slot) * 2 + i] = state[i][k];
        });
        recordShown.forEach((k, slot) => {
          records[base + (1 + recordState.length + slot) * 2 + i] = shown[i][k];
        });
        records[base + (nSlots - 1) * 2 + i] = fresh[i] - theta[i];
      }
      if (adaptLr) {
        const baseRate = o.factors[Math.min(t, T - 1)] * o.lr;
        [best, bad, cooldown, multiplier] = plateauStep(f, rate, baseRate, best, bad, cooldown,
          multiplier, plateau);
      }
    }
    // A run that stopped keeps its last finite point, loss and state (_loop_parts.freeze).
    for (let s = Math.max(t, 1); s <= T; s++) {
      path[2 * s] = path[2 * s - 2];
      path[2 * s + 1] = path[2 * s - 1];
      loss[s] = loss[s - 1];
      records.copyWithin(s * nSlots * 2, (s - 1) * nSlots * 2, s * nSlots * 2);
    }
    // The compiled loop keeps writing a stopped run's rate: the multiplier it had.
    for (let s = ratesSet; s < T; s++) lrUsed[s] = o.factors[s] * o.lr * (adaptLr ? multiplier : 1.0);
    return { path, loss, records, lr: lrUsed, slots: rule.slots, divergedAt };
  }

  // second_order.run_newton: θ_t = θ_{t−1} − η (H + λI)⁻¹ g with NumPy's value, gradient
  // and Hessian (the n* functions) and Cramer's rule as `newton.update` writes it.
  function runNewton(surface, o) {
    const T = o.steps;
    const p = o.params;
    const damping = o.hyper[0];
    const path = new Float64Array(2 * (T + 1));
    const loss = new Float64Array(T + 1);
    const records = new Float64Array((T + 1) * 3 * 2);
    const lrUsed = new Float64Array(T);
    const noise = o.noiseSigma > 0 && o.noise ? o.noise : null;
    const R = o.escapeRadius;
    path[0] = o.start[0];
    path[1] = o.start[1];
    loss[0] = surface.nvalue(path[0], path[1], p);
    let grad = [surface.ndx(path[0], path[1], p), surface.ndy(path[0], path[1], p)];
    let divergedAt = finite(loss[0]) && finite(grad[0]) && finite(grad[1]) ? -1 : 0;
    for (let t = 1; t <= T; t++) {
      const rate = o.factors[t - 1] * o.lr;
      lrUsed[t - 1] = rate;
      const tx = path[2 * t - 2], ty = path[2 * t - 1];
      let g0 = grad[0], g1 = grad[1];
      if (noise) {
        const scale = o.noiseRelative ? o.noiseSigma * Math.sqrt(g0 * g0 + g1 * g1) : o.noiseSigma * 1.0;
        g0 = g0 + scale * noise[2 * (t - 1)];
        g1 = g1 + scale * noise[2 * (t - 1) + 1];
      }
      const a = surface.ndxx(tx, ty, p) + damping;
      const b = surface.ndxy(tx, ty, p), c = b;
      const d = surface.ndyy(tx, ty, p) + damping;
      const determinant = a * d - b * c;
      const dir0 = (d * g0 - b * g1) / determinant;
      const dir1 = (-c * g0 + a * g1) / determinant;
      const nx = tx - rate * dir0, ny = ty - rate * dir1;
      const value = surface.nvalue(nx, ny, p);
      const fresh = [surface.ndx(nx, ny, p), surface.ndy(nx, ny, p)];
      const ok = finite(value) && finite(fresh[0]) && finite(fresh[1]) &&
        Math.abs(nx) <= R && Math.abs(ny) <= R && divergedAt < 0;
      if (divergedAt < 0 && !ok) divergedAt = t;
      const base = t * 6;
      if (ok) {
        path[2 * t] = nx;
        path[2 * t + 1] = ny;
        loss[t] = value;
        grad = fresh;
        records.set([g0, g1, dir0, dir1, nx - tx, ny - ty], base);
      } else {
        path[2 * t] = tx;
        path[2 * t + 1] = ty;
        loss[t] = loss[t - 1];
        records.copyWithin(base, base - 6, base);
      }
    }
    return { path, loss, records, lr: lrUsed, slots: ["g", "newton_step", "update"], divergedAt };
  }

  function run(surface, o) {
    if (!o.factors) {
      // The schedule's factors for this length, from the rules `schedulejs.py` traces.
      o = Object.assign({}, o, { factors: OPTIM_SCHEDULES.factors(o.schedule, o.steps, o.steps) });
    }
    return o.optimizer === "newton" ? runNewton(surface, o) : runFirstOrder(surface, o);
  }

  return { run, runFirstOrder, runNewton };
})();
