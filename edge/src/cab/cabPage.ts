/**
 * The cab screen page: one self-contained HTML document (inline CSS and script, no font, image
 * or script from anywhere else) so it works on the truck with no network. It reads
 * `/events` (server-sent events, one `CabView` JSON per change) and draws it: the advice in
 * very large type, the two fill gauges, the last lift, the unknown-bin alert, the link state
 * and the outbox backlog. French first; `?lang=en` (or the FR/EN button) for English.
 */

/** Texts of the screen, per language (French is the default). */
export const CAB_TEXTS = {
  fr: {
    title: 'Écran cabine',
    continue: 'CONTINUER',
    unload: 'ALLER VIDER',
    weight: 'Poids',
    volume: 'Volume',
    noSensor: 'pas de capteur',
    trip: 'Vidage',
    lifts: 'levées',
    lastLift: 'Dernière levée :',
    none: 'aucune',
    noTag: 'pas de puce',
    unknownBin: 'BAC INCONNU',
    unknownBinNoTag: 'Bac sans puce lisible',
    unknownBinOffRoute: 'Bac hors tournée',
    link: 'Liaison :',
    linkStates: {
      connected: 'connecté',
      connecting: 'connexion…',
      disconnected: 'déconnecté',
      idle: 'en attente',
      stopped: 'arrêté',
    },
    backlog: 'En attente d’envoi :',
    screenLost: 'Écran sans nouvelles de l’agent',
    binsLeft: ['bac encore possible', 'bacs encore possibles'],
    reasons: {
      'capacity-available': 'Capacité disponible',
      'weight-next-bins': 'Les prochains bacs dépasseraient la charge utile',
      'volume-next-bins': 'Les prochains bacs dépasseraient le volume de la benne',
      'weight-margin': 'Charge proche de la limite',
      'volume-margin': 'Benne presque pleine',
      'over-payload': 'Charge utile atteinte : vider maintenant',
      'route-done': 'Tournée terminée',
    },
    flags: {
      'no-tag': 'pas de puce',
      unstable: 'pesée instable',
      'below-minimum': 'sous le minimum',
      overload: 'surcharge',
      'negative-net': 'net négatif',
      'clock-unsynced': 'horloge non synchronisée',
    },
  },
  en: {
    title: 'Cab screen',
    continue: 'CONTINUE',
    unload: 'GO UNLOAD',
    weight: 'Weight',
    volume: 'Volume',
    noSensor: 'no sensor',
    trip: 'Trip',
    lifts: 'lifts',
    lastLift: 'Last lift:',
    none: 'none',
    noTag: 'no tag',
    unknownBin: 'UNKNOWN BIN',
    unknownBinNoTag: 'Bin without a readable tag',
    unknownBinOffRoute: 'Bin not on the route',
    link: 'Link:',
    linkStates: {
      connected: 'connected',
      connecting: 'connecting…',
      disconnected: 'disconnected',
      idle: 'waiting',
      stopped: 'stopped',
    },
    backlog: 'Waiting to send:',
    screenLost: 'Screen has lost the agent',
    binsLeft: ['more bin fits', 'more bins fit'],
    reasons: {
      'capacity-available': 'Capacity available',
      'weight-next-bins': 'The next bins would pass the legal payload',
      'volume-next-bins': 'The next bins would pass the body volume',
      'weight-margin': 'Payload close to the limit',
      'volume-margin': 'Body nearly full',
      'over-payload': 'Payload reached: unload now',
      'route-done': 'Round finished',
    },
    flags: {
      'no-tag': 'no tag',
      unstable: 'unstable weighing',
      'below-minimum': 'below minimum',
      overload: 'overload',
      'negative-net': 'negative net',
      'clock-unsynced': 'clock not synchronised',
    },
  },
} as const;

const STYLE = `
*{box-sizing:border-box}
html,body{margin:0;background:#000;color:#fff;font-family:system-ui,"DejaVu Sans",Arial,sans-serif;font-size:24px}
body{padding:16px;display:grid;gap:16px;grid-template-columns:1fr 1fr;grid-template-areas:"advice advice" "weight volume" "lift lift" "alert alert" "foot foot"}
#advice{grid-area:advice;border-radius:12px;padding:16px 24px;text-align:center}
#advice.continue{background:#0a5c1a;color:#fff}
#advice.unload{background:#ffd400;color:#000}
#advice h1{margin:0;font-size:88px;letter-spacing:2px;line-height:1.05}
#reason{font-size:34px;margin-top:6px}
.gauge{border:3px solid #fff;border-radius:12px;padding:12px}
.gauge h2{margin:0 0 8px;font-size:30px;display:flex;flex-wrap:wrap;gap:4px 16px;justify-content:space-between}
.gauge h2 span+span{font-size:26px}
.bar{height:56px;background:#333;border-radius:8px;overflow:hidden}
.bar>div{height:100%;background:#3fa7ff;width:0}
.bar>div.high{background:#ff5a36}
#weight{grid-area:weight}#volume{grid-area:volume}
#lift{grid-area:lift;border:3px solid #888;border-radius:12px;padding:12px;font-size:30px}
#lift b{font-size:40px}
#alert{grid-area:alert;display:none;background:#d00000;color:#fff;border-radius:12px;padding:16px;text-align:center;font-size:48px;font-weight:bold}
#alert.on{display:block}
#foot{grid-area:foot;display:flex;justify-content:space-between;align-items:center;font-size:26px}
#link.connected{color:#5dff7a}#link.disconnected,#link.connecting,#link.stopped{color:#ff6b6b}
button{font-size:26px;padding:8px 18px;background:#222;color:#fff;border:2px solid #fff;border-radius:8px}
#lost{display:none;color:#ff6b6b}#lost.on{display:inline}
@media (max-width:700px){body{grid-template-columns:1fr;grid-template-areas:"advice" "weight" "volume" "lift" "alert" "foot"}#advice h1{font-size:64px}}
`;

const SCRIPT = `
const T = JSON.parse(document.getElementById('texts').textContent);
let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'fr';
let last = null;
const $ = (id) => document.getElementById(id);
const kg = (g) => g === null ? '—' : (g / 1000).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', {maximumFractionDigits: 1}) + ' kg';
const pct = (f) => Math.round(f * 100) + ' %';
function draw() {
  const t = T[lang];
  document.documentElement.lang = lang;
  document.title = t.title;
  $('lang').textContent = lang === 'fr' ? 'EN' : 'FR';
  $('weight-label').textContent = t.weight;
  $('volume-label').textContent = t.volume;
  $('lift-label').textContent = t.lastLift;
  $('link-label').textContent = t.link;
  $('backlog-label').textContent = t.backlog;
  $('lost').textContent = t.screenLost;
  const v = last;
  if (!v) return;
  const unload = v.advice.action === 'unload';
  $('advice').className = unload ? 'unload' : 'continue';
  $('advice-text').textContent = unload ? t.unload : t.continue;
  let reason = t.reasons[v.advice.reason] || v.advice.reason;
  if (!unload && v.advice.binsUntilFull !== null) reason += ' — ' + v.advice.binsUntilFull + ' ' + t.binsLeft[v.advice.binsUntilFull > 1 ? 1 : 0];
  $('reason').textContent = reason;
  $('weight-value').textContent = pct(v.weightFill) + ' · ' + kg(v.payloadG) + ' / ' + kg(v.maxPayloadG);
  $('weight-bar').style.width = Math.min(100, v.weightFill * 100) + '%';
  $('weight-bar').className = v.weightFill >= 0.9 ? 'high' : '';
  $('volume-value').textContent = v.volumeFill === null ? t.noSensor : pct(v.volumeFill);
  $('volume-bar').style.width = v.volumeFill === null ? '0' : Math.min(100, v.volumeFill * 100) + '%';
  $('volume-bar').className = v.volumeFill !== null && v.volumeFill >= 0.9 ? 'high' : '';
  const l = v.lastLift;
  $('lift-value').innerHTML = '';
  if (!l) $('lift-value').textContent = t.none;
  else {
    const b = document.createElement('b');
    b.textContent = (l.tagId || t.noTag) + ' · ' + kg(l.netWeightG);
    $('lift-value').append(b);
    const flags = l.flags.filter((f) => !(f === 'no-tag' && l.tagId === null));
    if (flags.length) $('lift-value').append(' — ' + flags.map((f) => t.flags[f] || f).join(', '));
  }
  $('trip').textContent = t.trip + ' ' + v.tripSeq + ' · ' + v.liftsThisTrip + ' ' + t.lifts;
  const u = v.unknownBin;
  $('alert').className = u ? 'on' : '';
  $('alert').textContent = u ? t.unknownBin + ' — ' + (u.tagId === null ? t.unknownBinNoTag : t.unknownBinOffRoute + ' (' + u.tagId + ')') : '';
  $('link').className = v.link;
  $('link').textContent = t.linkStates[v.link] || v.link;
  $('backlog').textContent = String(v.outboxBacklog);
}
$('lang').addEventListener('click', () => { lang = lang === 'fr' ? 'en' : 'fr'; draw(); });
const es = new EventSource('events');
es.onmessage = (e) => { last = JSON.parse(e.data); $('lost').className = ''; draw(); };
es.onerror = () => { $('lost').className = 'on'; };
draw();
`;

/** The whole page for one truck. */
export function cabPage(truckId: string): string {
  const id = truckId.replace(/[^a-z0-9_-]/g, '');
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Écran cabine ${id}</title><style>${STYLE}</style></head>
<body>
<section id="advice" class="continue" data-testid="advice"><h1 id="advice-text">…</h1><div id="reason" data-testid="reason"></div></section>
<section id="weight" class="gauge" data-testid="weight"><h2><span id="weight-label"></span><span id="weight-value"></span></h2><div class="bar"><div id="weight-bar"></div></div></section>
<section id="volume" class="gauge" data-testid="volume"><h2><span id="volume-label"></span><span id="volume-value"></span></h2><div class="bar"><div id="volume-bar"></div></div></section>
<section id="lift" data-testid="last-lift"><span id="lift-label"></span> <span id="lift-value"></span><div id="trip"></div></section>
<section id="alert" data-testid="unknown-bin" role="alert"></section>
<footer id="foot"><span>${id} · <span id="link-label"></span> <b id="link" data-testid="link"></b> · <span id="backlog-label"></span> <b id="backlog" data-testid="backlog"></b> <span id="lost"></span></span><button id="lang" type="button">EN</button></footer>
<script type="application/json" id="texts">${JSON.stringify(CAB_TEXTS).replace(/</g, '\\u003c')}</script>
<script>${SCRIPT}</script>
</body></html>`;
}
