/* Charter consent embed v1: <script src="https://LEGAL-HOST/embed/v1.js" async></script>
 * Banner and dialogs in a shadow root; gates <script type="text/plain" data-charter-category=K>
 * and <iframe data-charter-category=K data-src>; drives Google Consent Mode v2; talks only to
 * its own origin. [data-charter-settings] and [data-charter-choices] open the settings dialog.
 * window.Charter:
 *   consent       {necessary: true, K: bool}, a new frozen object on each change
 *   decided       a current choice is on record;  ready: the banner response was applied (or failed)
 *   show(), showSettings()                 banner / settings dialog (wait for ready)
 *   acceptAll(), rejectAll(), update({K: bool})   record a choice: Promise of the new consent
 *   onChange(fn)  fn(consent, previous) on each change; returns an unsubscribe function
 * Events on document, detail {consent[, previous]}: charter:ready (once), charter:consent
 * (each recorded choice), charter:change (each change). */
(() => {
  performance.mark('charter:start');
  const W = window, D = document, N = navigator;
  if (W.Charter) return; // included twice

  // Consent Mode v2: all denied until the banner response.
  const dl = (W.dataLayer = W.dataLayer || []);
  const gtag = W.gtag || (W.gtag = function () { dl.push(arguments); });
  const SIG = 'ad_storage ad_user_data ad_personalization analytics_storage functionality_storage personalization_storage security_storage'.split(' ');
  const denied = () => Object.fromEntries(SIG.map(s => [s, 'denied']));
  gtag('consent', 'default', { ...denied(), wait_for_update: 500 });

  const me = D.currentScript || [...D.querySelectorAll('script[src*="/embed/v1"]')].pop();
  if (!me) return;
  const BASE = new URL(me.src).origin;
  const gpc = N.globalPrivacyControl === true;

  // localStorage may throw (privacy modes, sandboxes).
  const ls = (k, v) => {
    try {
      if (v === undefined) return localStorage.getItem(k);
      if (v) localStorage.setItem(k, v);
    } catch {}
  };

  // DOM helpers: no innerHTML, no style attributes.
  const mk = (t, c, x, p) => {
    const e = D.createElement(t);
    if (c) e.className = c;
    if (typeof x == 'string') e.textContent = x;
    if (p) p.append(e);
    return e;
  };
  const attr = (e, a) => { for (const k in a) e.setAttribute(k, a[k]); return e; };
  const btn = (x, f, p, c = 'bt') => {
    const b = mk('button', c, x, p);
    b.type = 'button';
    b.addEventListener('click', f);
    return b;
  };
  const fire = (n, d) => D.dispatchEvent(new CustomEvent('charter:' + n, { detail: d }));
  const quiet = p => p.catch(() => {}); // failures are shown already

  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`:host{all:initial;display:block;font:1rem/1.5 system-ui,sans-serif;color:#111}
:host(#charter-consent){position:fixed;z-index:2147483000;left:0;bottom:0}
*{box-sizing:border-box}[hidden]{display:none!important}
.w,.pc{position:fixed;z-index:2147483000;bottom:.5rem}
.w{left:.5rem;right:.5rem;max-width:40rem;margin:0 auto}
.b,.m,.ph{background:#fff;color:#111;border:1px solid #555;border-radius:.5rem;padding:1rem;margin:0 0 .5rem;box-shadow:0 2px 12px #0004}
.b{margin:0;max-height:calc(100vh - 1rem);overflow:auto}
.m{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between}
h2{font-size:1.25rem;margin:0 0 .5rem}p{margin:.5rem 0}a{color:#0645ad}
.r{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;margin-top:1rem}
button{font:inherit;cursor:pointer}
.bt{font-weight:600;padding:.6rem 1rem;border:2px solid #111;border-radius:.375rem;background:#111;color:#fff}
:focus-visible{outline:3px solid #0645ad;outline-offset:2px}
dialog{width:calc(100% - 1rem);max-width:40rem;border:1px solid #555;border-radius:.5rem;padding:1rem;color:#111;background:#fff}
dialog::backdrop{background:#0009}
.hd{display:flex;justify-content:space-between;align-items:start;gap:1rem}
.x{font-size:1.5rem;line-height:1;padding:.25rem .6rem;border:1px solid #555;border-radius:.375rem;background:#fff;color:#111}
.c{border-top:1px solid #767676;padding:.5rem 0}
label{display:flex;gap:.5rem;align-items:center;font-weight:600}
input{width:1.25rem;height:1.25rem;margin:0;flex:none}
.d,details{margin:.25rem 0 .25rem 1.75rem}ul{margin:.25rem 0;padding-left:1.25rem}
.pc{left:.5rem;display:flex;gap:.4rem;align-items:center;padding:.3rem .7rem;font-size:.875rem;color:#0645ad;background:#fff;border:1px solid #555;border-radius:1rem;text-decoration:underline}`);

  let consent = Object.freeze({ necessary: true }), decided = false, ready = false;
  let B, T, cats = [], optOut = false;
  let host, root, live, ban, pc, dlg, dh, dbody, dlive, boxes, back, seen, reloading;
  const fns = new Set();
  let readyDone;
  const readyP = new Promise(r => (readyDone = r));

  // The mirror (server cookie, else our copy) gives consent synchronously.
  const mirror = (() => {
    try {
      let m = (D.cookie.match(/(?:^|;\s*)charter_choices=([^;]*)/) || [])[1] || ls('charter:choices');
      if (!m) return;
      m = m.replace(/^"|"$/g, '');
      if (!m.includes('=')) m = decodeURIComponent(m);
      const p = new URLSearchParams(m), c = { necessary: true };
      for (const [k, v] of p) if (k[0] != '_') c[k] = v == '1';
      return { v: p.get('_v'), g: p.get('_g') == '1', c };
    } catch {}
  })();
  if (mirror) {
    consent = Object.freeze(mirror.c);
    decided = !mirror.g; // _g=1: only a GPC opt-out
  }

  const same = (a, b) => Object.keys({ ...a, ...b }).every(k => !a[k] == !b[k]);
  const set = c => {
    const p = consent;
    consent = Object.freeze(c);
    if (!same(p, c)) {
      for (const f of fns) try { f(c, p); } catch (e) { console.error(e); }
      fire('change', { consent: c, previous: p });
    }
    scan();
  };
  // Server choices, or the model's defaults, as consent.
  const fromChoices = ch => {
    const c = { necessary: true };
    // A category the server's answer leaves out (only a GPC opt-out recorded) keeps the model's default.
    for (const k of cats)
      if (!k.necessary) c[k.key] = ch && k.key in ch ? !!ch[k.key] : optOut && !(gpc && k.sale_or_sharing);
    return c;
  };
  const signal = () => {
    const u = denied();
    for (const c of cats)
      if (c.necessary || consent[c.key]) for (const s of c.consent_mode || []) if (s in u) u[s] = 'granted';
    gtag('consent', 'update', u);
    dl.push({ event: 'charter_consent', charter_consent: { ...consent } });
  };

  const req = async (path, body) => {
    const h = {}, t = ls('charter:token');
    if (t) h['Charter-Consent'] = t;
    if (body) h['Content-Type'] = 'application/json';
    const r = await fetch(BASE + path, {
      method: body ? 'POST' : 'GET', credentials: 'include', mode: 'cors', headers: h,
      body: body && JSON.stringify(body),
    });
    let j = null;
    try { j = await r.json(); } catch {}
    return [r.status, j];
  };
  // No randomUUID outside secure contexts; hex is a valid key too.
  const uuid = () => crypto.randomUUID ? crypto.randomUUID()
    : [...crypto.getRandomValues(new Uint8Array(16))].map(b => (b + 256).toString(16).slice(1)).join('');
  const where = () => ({ configuration_version: B.configuration_version, locale: B.locale, page: location.pathname });

  const load = async () => {
    try {
      const tags = [D.documentElement.lang, ...N.languages].filter(Boolean).join(',');
      const [s, j] = await req('/api/consent/banner?locale=' + encodeURIComponent(tags));
      if (s != 200 || !j || !j.texts) throw Error(j && j.error || 'HTTP ' + s);
      apply(j);
      if (gpc && j.gpc_pending) {
        const [s2, r] = await req('/api/consent/gpc', where());
        if (s2 < 300 && r && r.choices) record(r);
        else if (s2 > 299) console.warn('Charter: ' + (r && r.error || 'HTTP ' + s2));
      }
    } catch (e) {
      console.warn('Charter: ' + (e.message || e));
    }
    if (!ready) {
      ready = true;
      readyDone();
      fire('ready', { consent });
    }
  };

  // The banner response is authoritative, but never reloads (a stale mirror would loop).
  const apply = j => {
    B = j; T = j.texts; cats = j.categories || []; optOut = j.model == 'opt-out';
    const st = j.state, v = j.configuration_version.slice(0, 16);
    decided = !!(st && st.decided && !st.ask_again) && !(mirror && mirror.v != v);
    set(fromChoices(st && st.choices));
    signal();
    build();
    if (!optOut && !decided) reveal();
  };

  // A recorded event (choice or GPC).
  const record = r => {
    ls('charter:token', r.token);
    ls('charter:choices', r.mirror);
    const p = consent;
    set(fromChoices(r.choices));
    signal();
    fire('consent', { consent });
    const gone = cats.filter(c => p[c.key] && !consent[c.key]);
    for (const c of gone) for (const s of c.services || []) for (const n of s.cookies || []) expire(n);
    // Running scripts can't be stopped: reload.
    if (gone.length && !reloading) {
      reloading = 1;
      say(T.reload_notice, 0, T.reload_now);
      setTimeout(() => location.reload(), 3e3);
    }
  };

  const choose = async (method, choices) => {
    await readyP;
    if (!B) throw Error('Charter: unavailable');
    const b = { method, idempotency_key: uuid(), ...where() };
    if (gpc) b.gpc = true; // the server keeps sale/sharing refused
    if (choices) b.choices = choices();
    let s = 0, j;
    try { [s, j] = await req('/api/consent', b); } catch {}
    if (s == 409) { // settings changed: ask again
      await load();
      reveal();
      throw Error('Charter: settings changed');
    }
    if ((s != 200 && s != 201) || !j) {
      say(T.failed, 1);
      throw Error('Charter: ' + (j && j.error || 'HTTP ' + s));
    }
    decided = true;
    conceal();
    if (dlg && dlg.open) dlg.close();
    live.textContent = '';
    record(j);
    return consent;
  };
  const optional = f => () => Object.fromEntries(cats.filter(c => !c.necessary).map(c => [c.key, f(c.key)]));

  // Expire on this host and each parent domain; a trailing * is a prefix.
  const expire = pat => {
    const h = location.hostname, l = h.split('.');
    const names = pat.endsWith('*')
      ? D.cookie.split(/;\s*/).map(c => c.split('=')[0]).filter(n => n && n.startsWith(pat.slice(0, -1)))
      : [pat];
    for (const n of names) {
      const e = n + '=; Max-Age=0; Path=/';
      D.cookie = e;
      if (h != 'localhost' && !/^[\d.]+$|:/.test(h))
        for (let i = 0; i < l.length - 1; i++) D.cookie = e + '; Domain=' + l.slice(i).join('.');
    }
  };

  // Status line: in the open dialog (the rest is inert), else above the banner.
  const say = (m, err, b) => {
    const l = dlg && dlg.open ? dlive : live;
    if (!l) return;
    l.textContent = '';
    const p = mk('p', 'm', 0, l);
    mk('span', 0, m, p);
    if (err) p.setAttribute('role', 'alert');
    if (b) btn(b, () => location.reload(), p);
  };
  const gline = p => gpc && cats.some(c => c.sale_or_sharing) && mk('p', 'g', T.gpc_honoured, p);
  const link = (x, u, p) => {
    const a = attr(mk('a', 0, x, p), { target: '_blank', rel: 'noopener' });
    if (/^https?:/i.test(u)) a.href = u;
  };
  const act = () => (root && root.activeElement) || D.activeElement;

  // CCPA privacy-options icon.
  const icon = p => {
    const sv = (t, a, q) => { const e = attr(D.createElementNS('http://www.w3.org/2000/svg', t), a); q.append(e); return e; };
    const s = sv('svg', { width: 30, height: 14, viewBox: '0 0 30 14', 'aria-hidden': 'true', focusable: 'false' }, p);
    sv('rect', { x: .5, y: .5, width: 29, height: 13, rx: 6.5, fill: '#fff', stroke: '#06f' }, s);
    sv('path', { d: 'M7 .5h10l-4 13H7a6.5 6.5 0 0 1 0-13z', fill: '#06f' }, s);
    sv('path', { d: 'M4.5 7.2l2.3 2.3 4.2-4.8', fill: 'none', stroke: '#fff', 'stroke-width': 1.6 }, s);
    sv('path', { d: 'M19.5 4.5l5 5m0-5l-5 5', fill: 'none', stroke: '#06f', 'stroke-width': 1.6 }, s);
  };

  const build = () => {
    if (host) host.remove(); // rebuilt after a 409
    host = attr(mk('div'), { id: 'charter-consent' });
    root = host.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [sheet];
    dlg = 0;
    const w = mk('div', 'w', 0, root);
    live = attr(mk('div', 0, 0, w), { 'aria-live': 'polite' });
    ban = attr(mk('div', 'b', 0, w), { role: 'region', 'aria-label': T.heading });
    ban.hidden = true;
    mk('h2', 0, T.heading, ban);
    mk('p', 0, T.body, ban);
    const l = mk('p', 0, 0, ban);
    link(T.cookie_policy, B.links.cookie_policy, l);
    l.append(' \xb7 ');
    link(T.privacy_policy, B.links.privacy_policy, l);
    gline(ban);
    const r = mk('div', 'r', 0, ban);
    btn(T.accept_all, () => quiet(choose('accept_all')), r);
    btn(T.reject_all, () => quiet(choose('reject_all')), r);
    btn(T.customise, e => open(0, e.currentTarget), r);
    pc = 0;
    if (optOut) {
      pc = btn('', e => open(1, e.currentTarget), root, 'pc');
      icon(pc);
      pc.append(T.privacy_choices);
    }
    (D.body || D.documentElement).append(host);
  };
  const reveal = () => {
    if (!ban || !ban.hidden) return;
    ban.hidden = false;
    if (pc) pc.hidden = true;
    if (!seen) { seen = 1; performance.mark('charter:visible'); }
  };
  const conceal = () => {
    if (ban) ban.hidden = true;
    if (pc) pc.hidden = false;
  };

  // Customise (s=0) or settings (s=1) dialog, ticked as consented.
  const open = (s, o) => {
    if (!dlg) {
      dlg = attr(mk('dialog', 0, 0, root), { 'aria-labelledby': 'ch-h' });
      const hd = mk('div', 'hd', 0, dlg);
      dh = attr(mk('h2', 0, 0, hd), { id: 'ch-h' });
      attr(btn('\xd7', () => dlg.close(), hd, 'x'), { 'aria-label': T.close });
      dbody = mk('div', 0, 0, dlg);
      dlive = attr(mk('div', 0, 0, dlg), { 'aria-live': 'polite' });
      const r = mk('div', 'r', 0, dlg);
      btn(T.reject_all, () => quiet(choose('reject_all')), r);
      btn(T.accept_all, () => quiet(choose('accept_all')), r);
      btn(T.save, () => quiet(choose('custom', optional(k => boxes[k].checked))), r);
      dlg.addEventListener('close', () => {
        dlive.textContent = '';
        if (back && back.focus) back.focus();
      });
    }
    dh.textContent = s ? T.settings_heading : T.categories;
    dbody.textContent = '';
    gline(dbody);
    boxes = {};
    for (const c of cats) {
      const d = mk('div', 'c', 0, dbody), lb = mk('label', 0, 0, d), id = 'cd-' + c.key;
      const i = attr(mk('input', 0, 0, lb), { type: 'checkbox', 'aria-describedby': id });
      i.checked = c.necessary || !!consent[c.key];
      i.disabled = !!c.necessary;
      boxes[c.key] = i;
      lb.append(c.title + (c.necessary ? ' ' + T.always_on : ''));
      mk('p', 'd', c.description, d).id = id;
      const sv = c.services || [];
      if (!sv.length) continue;
      const det = mk('details', 0, 0, d);
      mk('summary', 0, sv.map(v => v.name).join(', '), det);
      const ul = mk('ul', 0, 0, det);
      for (const v of sv) {
        const li = mk('li', 0, 0, ul);
        mk('b', 0, v.name, li);
        li.append(' \u2014 ' + [v.provider, v.third_party && T.third_party].filter(Boolean).join(', '));
        mk('div', 0, v.purpose, li);
        mk('div', 0, [v.duration, (v.cookies || []).join(', ')].filter(Boolean).join(' \xb7 '), li);
      }
    }
    if (!dlg.open) {
      back = o;
      dlg.showModal();
    }
  };
  const settings = o => readyP.then(() => B && open(1, o));

  // An inline script is complete once the parser is past it.
  const parsed = e => {
    if (D.readyState != 'loading' || e.hasAttribute('src')) return 1;
    for (let n = e; n; n = n.parentNode) if (n.nextSibling) return 1;
  };
  const run = e => {
    const n = D.createElement('script');
    for (const a of e.attributes)
      if (!/^(type|nonce|data-charter-(category|type))$/.test(a.name)) n.setAttribute(a.name, a.value);
    if (e.dataset.charterType) n.type = e.dataset.charterType;
    if (e.nonce) n.nonce = e.nonce; // the attribute is hidden
    if (!e.hasAttribute('src')) n.textContent = e.textContent;
    else if (!e.hasAttribute('async')) n.async = false; // keep document order
    e.charterDone = 1;
    e.replaceWith(n);
  };
  const holder = (e, k) => {
    const h = mk('div', 'charter-blocked'), r = h.attachShadow({ mode: 'open' });
    const c = cats.find(c => c.key == k);
    r.adoptedStyleSheets = [sheet];
    const d = mk('div', 'ph', 0, r);
    mk('p', 0, T.blocked.replace('{category}', c ? c.title : k), d);
    btn(T.allow, () => quiet(C.update({ [k]: true })), d);
    e.before(h);
    return h;
  };
  const scan = () => {
    for (const e of D.querySelectorAll('[data-charter-settings],[data-charter-choices]'))
      if (!e.charterOn) {
        e.charterOn = 1;
        e.addEventListener('click', v => { v.preventDefault(); settings(e); });
      }
    for (const e of D.querySelectorAll('script[data-charter-category],iframe[data-charter-category]')) {
      const ok = consent[e.dataset.charterCategory];
      if (e.tagName == 'SCRIPT') {
        if (ok && !e.charterDone && e.type == 'text/plain' && parsed(e)) run(e);
      } else if (e.dataset.src && !e.hasAttribute('src')) {
        if (ok) {
          e.src = e.dataset.src;
          e.hidden = false;
          if (e.charterPh) e.charterPh.remove();
        } else {
          e.hidden = true;
          if (T && !e.charterPh) e.charterPh = holder(e, e.dataset.charterCategory);
        }
      }
    }
  };

  const C = (W.Charter = {
    get consent() { return consent; },
    get decided() { return decided; },
    get ready() { return ready; },
    show: () => readyP.then(reveal),
    showSettings: () => settings(act()),
    acceptAll: () => choose('accept_all'),
    rejectAll: () => choose('reject_all'),
    update: (p = {}) => choose('custom', optional(k => !!(k in p ? p[k] : consent[k]))),
    onChange: f => (fns.add(f), () => fns.delete(f)),
  });

  scan();
  D.addEventListener('DOMContentLoaded', scan);
  new MutationObserver(scan).observe(D.documentElement, { childList: true, subtree: true });
  load();
})();
