/* clustersim maps: cartography and devices, on top of clustersim.js and controls.js.
 *  - labels: communes and clusters as text markers, shown by priority with collision culling
 *    (clusters everywhere at zoom >= 13, and the selected or large ones below it); road and
 *    river names along their lines (SVG textPath);
 *  - touch targets: a cluster drawn smaller than 24 px gets a 24 px halo under it that opens
 *    its popup; halos pushed apart when they would overlap (and out from under the controls),
 *    with a leader line to the cluster;
 *  - a north arrow, a "back to the whole district" button, popups sized to the map;
 *  - print: the map is refitted to the printed page (beforeprint / afterprint).
 * Texts are only ever set with textContent. */
(function (CS, global) {
  "use strict";
  var TARGET = 24;           /* px: the smallest tap target (WCAG 2.2, 2.5.8) */
  var HALO = TARGET / 2;
  var LABEL_ZOOM = 13;       /* every cluster and commune label from this zoom on */
  var COMMUNE_ZOOM = 12;     /* commune labels where they fit, from this zoom */
  var NARROW = 600;          /* px: phone layout below this map width */
  var ARROW = '<svg width="26" height="34" viewBox="0 0 26 34" aria-hidden="true">' +
    '<path d="M13 2 L22 30 L13 24 L4 30 Z" fill="#252525" stroke="#fff" stroke-width="1.2"/>' +
    '<path d="M13 2 L13 24 L4 30 Z" fill="#fff" stroke="#252525" stroke-width="1.2"/></svg>';
  var HOME = '<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" fill="none" ' +
    'stroke="#333" stroke-width="2"><path d="M2 9 L9 2 L16 9 M4 7.5 V16 H14 V7.5"/></svg>';

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function button(className, label, svg) {
    var b = L.DomUtil.create("button", className + " leaflet-bar");
    b.type = "button";
    b.title = label;
    b.setAttribute("aria-label", label);
    b.innerHTML = svg;  /* a constant */
    L.DomEvent.disableClickPropagation(b);
    return b;
  }

  function control(map, position, make) {
    var Control = L.Control.extend({ onAdd: make });
    return new Control({ position: position }).addTo(map);
  }

  /* ------------------------------------------------------------------ home view */

  /* The widest visible control of a corner (0 when it is empty or hidden). */
  function cornerWidth(map, corner) {
    var c = map._controlCorners && map._controlCorners[corner], w = 0;
    if (!c) { return 0; }
    Array.prototype.forEach.call(c.children, function (k) { w = Math.max(w, k.offsetWidth); });
    return w;
  }

  /* The whole district in view, clear of the title box (left) and legend (right) when the
   * map is wide enough to leave room for both. */
  function home(st) {
    var map = st.map, size = map.getSize(), left = cornerWidth(map, "topleft"),
      right = Math.max(cornerWidth(map, "bottomright"), cornerWidth(map, "topright"));
    var roomy = size.x - left - right > 0.5 * size.x;
    map.fitBounds(st.home, {
      paddingTopLeft: roomy ? [left + 12, 12] : [12, 12],
      paddingBottomRight: roomy ? [right + 12, 12] : [12, 12], animate: false
    });
  }

  /* The "back to the whole district" button, in the zoom buttons' bar (so a tall title box
   * never pushes it off the map); its own control when there is no zoom bar. */
  function homeButton(st, label) {
    var bar = st.map.getContainer().querySelector(".leaflet-control-zoom");
    if (bar) {
      var b = L.DomUtil.create("button", "ccn-home", bar);
      b.type = "button";
      b.title = label;
      b.setAttribute("aria-label", label);
      b.innerHTML = HOME;  /* a constant */
      L.DomEvent.disableClickPropagation(b);
      L.DomEvent.on(b, "click", function () { home(st); });
      return;
    }
    control(st.map, "topleft", function () {
      var c = button("ccn-home", label, HOME);
      L.DomEvent.on(c, "click", function () { home(st); });
      return c;
    });
  }


  /* The visible controls of a corner, and the lowest bottom / highest top of them (the
   * controls float: a corner has no height of its own). */
  function shown(corner) {
    return Array.prototype.filter.call(corner.children, function (k) { return k.offsetHeight; });
  }
  function lowest(corner) {
    return shown(corner).reduce(function (y, k) { return Math.max(y, k.getBoundingClientRect().bottom); }, -Infinity);
  }
  function highest(corner) {
    return shown(corner).reduce(function (y, k) { return Math.min(y, k.getBoundingClientRect().top); }, Infinity);
  }

  /* `box` shrinks by `overlap` px (never below 80) and scrolls; max-height counts the
   * content box only, hence the padding and border. */
  function shrink(box, overlap) {
    if (!(overlap > 0)) { return; }
    var cs = global.getComputedStyle(box), edge = ["paddingTop", "paddingBottom",
      "borderTopWidth", "borderBottomWidth"].reduce(function (t, k) { return t + parseFloat(cs[k]); }, 0);
    box.style.maxHeight = Math.max(box.offsetHeight - edge - overlap, 80) + "px";
    box.style.overflowY = "auto";
  }

  /* The overview map steps aside when the left column of controls would run into the year
   * slider (a short window, a long title). */
  function fitMinimap(map) {
    var mini = map.getContainer().querySelector(".ccn-minimap"), below = map._controlCorners.bottomleft;
    if (!mini || !below || !below.firstChild) { return; }
    mini.style.display = "";
    var r = mini.getBoundingClientRect();
    if (r.height && r.bottom > highest(below) - 4) { mini.style.display = "none"; }
  }

  /* On a screen, the overview map steps aside (`fitMinimap`) and neither column's tall box
   * covers the controls it meets: the title box (top left) stops above the year slider with
   * the zoom buttons still in view, the legend (bottom right) below the layers, shading choice
   * and north arrow; each scrolls instead.
   * The phone's panel has its own caps; printing hides the controls (clustersim.css). */
  function fitColumns(map) {
    var c = map._controlCorners, title = c && c.topleft.querySelector(".ccn-titlebox"),
      legend = c && c.bottomright.querySelector(".ccn-legend");
    fitMinimap(map);
    [title, legend].forEach(function (b) { if (b) { b.style.maxHeight = ""; b.style.overflowY = ""; } });
    if (!c || map.getSize().x < NARROW) { return; }
    if (title) { shrink(title, lowest(c.topleft) + 10 - highest(c.bottomleft)); }
    if (legend) { shrink(legend, lowest(c.topright) + 10 - legend.getBoundingClientRect().top); }
  }

  function northArrow(map, letter, label) {
    control(map, "topright", function () {
      var d = L.DomUtil.create("div", "ccn-north");
      d.setAttribute("role", "img");
      d.setAttribute("aria-label", label);
      d.innerHTML = ARROW;  /* a constant */
      d.appendChild(el("span", "", letter));
      return d;
    });
  }

  /* Phone: one button shows or hides the legend, layers and shading choice. */
  function panelButton(map, label) {
    control(map, "topright", function () {
      var b = L.DomUtil.create("button", "ccn-panel-btn leaflet-bar");
      b.type = "button";
      b.textContent = label;
      b.setAttribute("aria-expanded", "false");
      L.DomEvent.disableClickPropagation(b);
      L.DomEvent.on(b, "click", function () {
        var on = map.getContainer().classList.toggle("ccn-open");
        b.setAttribute("aria-expanded", String(on));
      });
      return b;
    });
  }

  /* Leaflet's own buttons and attribution, in the page's language. */
  function translateControls(map, text) {
    var c = map.getContainer();
    [[".leaflet-control-zoom-in", text.zoom_in], [".leaflet-control-zoom-out", text.zoom_out],
     [".leaflet-control-layers-toggle", text.layers]].forEach(function (pair) {
      c.querySelectorAll(pair[0]).forEach(function (b) {
        if (pair[1]) { b.title = pair[1]; b.setAttribute("aria-label", pair[1]); }
      });
    });
    if (map.attributionControl && text.leaflet_title) {
      var a = document.createElement("a");  /* Leaflet's own prefix, its title translated */
      a.href = "https://leafletjs.com";
      a.title = text.leaflet_title;
      a.textContent = "Leaflet";
      map.attributionControl.setPrefix(a.outerHTML);
    }
  }

  /* ------------------------------------------------------------------ popups */

  /* Popups never wider or taller than their map; small maps pan with small margins. */
  function fitPopups(map, single) {
    map.on("popupclose", function () { map.getContainer().classList.remove("ccn-popup-open"); });
    map.on("popupopen", function (e) {
      map.getContainer().classList.add("ccn-popup-open");  /* phone: controls step aside */
      var s = map.getSize(), o = e.popup.options, narrow = s.x < NARROW;
      var maxW = Math.max(160, Math.min(420, s.x - 66)), maxH = Math.max(160, s.y - 100);
      if (o.maxWidth === maxW && o.maxHeight === maxH) { return; }
      o.maxWidth = maxW;
      o.minWidth = Math.min(o.minWidth || 50, maxW);
      o.maxHeight = maxH;
      o.autoPanPaddingTopLeft = narrow ? [8, 8] : [50, single ? 150 : 20];
      o.autoPanPaddingBottomRight = narrow ? [8, 8] : [single ? 290 : 20, 20];
      e.popup.update();
    });
  }

  /* ------------------------------------------------------------------ line labels */

  var lineCount = 0;
  var OFFSETS = ["50%", "30%", "70%", "15%", "85%"];

  /* A road's or river's name along its line: an invisible copy of the line (west to east, so
   * the text is never upside down) carries an SVG <textPath> in the layer's own SVG. */
  function lineLabels(st, layer, className) {
    if (!layer) { return; }
    var map = st.map, ns = "http://www.w3.org/2000/svg";
    layer.eachLayer(function (l) {
      var p = l.feature && l.feature.properties;
      if (!p || !p.caption || !l.getLatLngs) { return; }
      var parts = l.getLatLngs();
      parts = (parts.length && parts[0].lat === undefined) ? parts : [parts];
      parts.forEach(function (latlngs) {
        if (latlngs.length < 2 || latlngs[0].lat === undefined) { return; }
        var west = latlngs[0].lng > latlngs[latlngs.length - 1].lng ? latlngs.slice().reverse() : latlngs;
        var line = L.polyline(west, { pane: layer.options.pane, stroke: false, fill: false,
                                      interactive: false, className: "ccn-label-path",
                                      smoothFactor: 6 });  /* gentle bends for the text */
        var id = "ccn-line-" + (lineCount += 1);
        line.on("add", function () { line.getElement().id = id; });
        line.addTo(map);
        var text = document.createElementNS(ns, "text"), path = document.createElementNS(ns, "textPath");
        text.setAttribute("class", "ccn-line-label " + className);
        text.setAttribute("dy", "-4");
        path.setAttribute("href", "#" + id);
        path.setAttribute("startOffset", "50%");
        path.setAttribute("text-anchor", "middle");
        path.textContent = p.caption;
        text.appendChild(path);
        line.getElement().ownerSVGElement.querySelector("g").appendChild(text);
        st.lines.push({ text: text, path: path, layer: layer });
      });
    });
  }

  /* Glyph boxes of a line label in container pixels ([] when it is not drawn). */
  function glyphs(map, text) {
    var n = text.getNumberOfChars(), m = text.getScreenCTM(), out = [];
    if (!n || !m) { return out; }
    var origin = map.getContainer().getBoundingClientRect();
    for (var i = 0; i < n; i += 1) {
      var r;
      try { r = text.getExtentOfChar(i); } catch (e) { continue; }  /* a char past the line's end */
      var a = L.point(m.a * r.x + m.c * r.y + m.e, m.b * r.x + m.d * r.y + m.f),
        b = L.point(m.a * (r.x + r.width) + m.c * (r.y + r.height) + m.e,
                    m.b * (r.x + r.width) + m.d * (r.y + r.height) + m.f);
      out.push({ x0: Math.min(a.x, b.x) - origin.left, y0: Math.min(a.y, b.y) - origin.top,
                 x1: Math.max(a.x, b.x) - origin.left, y1: Math.max(a.y, b.y) - origin.top });
    }
    return out;
  }

  function hitsAny(boxes, others, gap) {
    return boxes.some(function (b) { return others.some(function (o) { return overlap(b, o, gap); }); });
  }

  /* Each line label at the first position along its line (middle, then either side) where
   * it covers no other line label and no cluster; hidden when there is none. Returns the
   * glyph boxes shown, for the point labels to avoid. */
  function placeLineLabels(st, items, controls) {
    var shown = [], size = st.map.getSize(), clusters = items.map(function (it) { return it.box; });
    clusters = clusters.concat(controls);
    st.lines.forEach(function (lab) {
      lab.text.style.display = "";
      if (!st.map.hasLayer(lab.layer)) { lab.text.style.display = "none"; return; }
      var ok = OFFSETS.some(function (off) {
        lab.path.setAttribute("startOffset", off);
        var boxes = glyphs(st.map, lab.text);
        var whole = boxes.length === lab.path.textContent.length && boxes.every(function (b) {
          return b.x0 >= 0 && b.y0 >= 0 && b.x1 <= size.x && b.y1 <= size.y; });
        if (whole && !hitsAny(boxes, shown, 1) && !hitsAny(boxes, clusters, 1)) {
          shown.push.apply(shown, boxes);
          return true;
        }
        return false;
      });
      if (!ok) { lab.text.style.display = "none"; }
    });
    return shown;
  }

  /* ------------------------------------------------------------------ touch targets */

  /* A drawn cluster's bounds (a point cluster is a circle marker). */
  function boundsOf(layer) {
    return layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng(), layer.getLatLng()]);
  }

  function rectOf(map, bounds) {
    var a = map.latLngToContainerPoint(bounds.getSouthWest()),
      b = map.latLngToContainerPoint(bounds.getNorthEast());
    return { x0: Math.min(a.x, b.x), y0: Math.min(a.y, b.y), x1: Math.max(a.x, b.x), y1: Math.max(a.y, b.y) };
  }

  /* Radius of the largest disc around the centre of `r` inside the drawn cluster, in px (0
   * when the centre is outside it; a point cluster has none). */
  function innerRadius(map, layer, r) {
    if (!layer.getLatLngs) { return 0; }
    var c = L.point((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2), best = Infinity, inside = false;
    var rings = layer.getLatLngs();
    rings = L.LineUtil.isFlat(rings) ? [rings] : rings;
    rings = rings.length && !L.LineUtil.isFlat(rings[0]) ? rings.map(function (p) { return p[0]; }) : rings;
    rings.forEach(function (ring) {
      var pts = ring.map(function (ll) { return map.latLngToContainerPoint(ll); });
      for (var i = 0, j = pts.length - 1; i < pts.length; j = i, i += 1) {
        var a = pts[i], b = pts[j];
        if ((a.y > c.y) !== (b.y > c.y) && c.x < (b.x - a.x) * (c.y - a.y) / (b.y - a.y) + a.x) { inside = !inside; }
        best = Math.min(best, L.LineUtil.pointToSegmentDistance(c, a, b));
      }
    });
    return inside ? best : 0;
  }

  function overlap(a, b, gap) {
    return a.x0 < b.x1 + gap && b.x0 < a.x1 + gap && a.y0 < b.y1 + gap && b.y0 < a.y1 + gap;
  }

  /* Push a point out of a rectangle (plus margin r). */
  function pushOut(p, r, m) {
    var cx = Math.max(r.x0, Math.min(p.x, r.x1)), cy = Math.max(r.y0, Math.min(p.y, r.y1));
    var dx = p.x - cx, dy = p.y - cy, d = Math.sqrt(dx * dx + dy * dy);
    if (d >= m) { return false; }
    if (d < 0.01) {  /* inside: leave by the nearest side */
      var opts = [[p.x - r.x0 + m, -1, 0], [r.x1 - p.x + m, 1, 0], [p.y - r.y0 + m, 0, -1], [r.y1 - p.y + m, 0, 1]];
      opts.sort(function (a, b) { return a[0] - b[0]; });
      p.x += opts[0][1] * opts[0][0]; p.y += opts[0][2] * opts[0][0];
    } else {
      p.x += dx / d * (m - d); p.y += dy / d * (m - d);
    }
    return true;
  }

  /* Halo positions: start on the cluster, then relax until no two halos (and no halo and
   * another cluster's drawn shape) overlap. Deterministic: fixed order, fixed nudges. */
  function relax(items, obstacles, size) {
    var small = items.filter(function (it) { return it.small; }), m = HALO + 2;
    for (var iter = 0; iter < 200; iter += 1) {
      var moved = false;
      for (var i = 0; i < small.length; i += 1) {
        var a = small[i];
        for (var j = i + 1; j < small.length; j += 1) {
          var b = small[j], need = TARGET + 3 + (a.badge || b.badge ? 6 : 0);
          var dx = b.p.x - a.p.x, dy = b.p.y - a.p.y, d = Math.sqrt(dx * dx + dy * dy);
          if (d >= need) { continue; }
          if (d < 0.01) { var ang = 0.9 + j * 2.4; dx = Math.cos(ang); dy = Math.sin(ang); d = 1e-9; }
          else { dx /= d; dy /= d; }
          var push = (need - d) / 2 + 0.1;
          a.p.x -= dx * push; a.p.y -= dy * push; b.p.x += dx * push; b.p.y += dy * push;
          moved = true;
        }
        items.forEach(function (o) {
          if (o !== a && !o.small && pushOut(a.p, o.r, m)) { moved = true; }
        });
        obstacles.forEach(function (r) { if (pushOut(a.p, r, m)) { moved = true; } });
        var x = Math.max(m, Math.min(size.x - m, a.p.x)), y = Math.max(m, Math.min(size.y - m, a.p.y));
        if (x !== a.p.x || y !== a.p.y) { a.p.x = x; a.p.y = y; moved = true; }
      }
      if (!moved) { break; }
    }
  }

  function haloFor(st, poly, pane) {
    var halo = L.circleMarker(boundsOf(poly).getCenter(), {
      pane: pane, radius: HALO, className: "ccn-hit", color: "#252525", weight: 1.2,
      opacity: 0.8, fillColor: "#ffffff", fillOpacity: 0.75, bubblingMouseEvents: false });
    var id = poly.feature.properties.id;
    halo.on("add", function () { halo.getElement().setAttribute("data-ccn-id", id); });
    halo.on("click", function (e) {
      L.DomEvent.stop(e);
      if (st.map.hasLayer(poly)) { poly.openPopup(boundsOf(poly).getCenter()); }
    });
    if (poly.feature.properties.tooltip) {
      halo.bindTooltip(poly.feature.properties.tooltip, { sticky: true, direction: "top", className: "ccn-tooltip" });
    }
    return { halo: halo, leader: L.polyline([], { pane: pane, interactive: false, className: "ccn-leader",
                                                  color: "#252525", weight: 1, opacity: 0.8 }) };
  }

  /* Every drawn cluster: its screen rectangle, and a halo when it is drawn too small. */
  function targets(st, controls) {
    var map = st.map, items = [];
    st.group.eachLayer(function (poly) {
      var p = poly.feature.properties, h = st.halos[p.id];
      var on = map.hasLayer(poly), r = on && rectOf(map, boundsOf(poly));
      var small = on && innerRadius(map, poly, r) < HALO;
      if (!small && h) { map.removeLayer(h.halo); map.removeLayer(h.leader); }
      if (!on) { return; }
      items.push({ id: p.id, poly: poly, r: r, small: small, badge: !!st.badges[p.id],
                   c: L.point((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2),
                   p: L.point((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2) });
    });
    relax(items, controls, map.getSize());
    items.forEach(function (it) {
      if (!it.small) { it.box = it.r; return; }
      var h = st.halos[it.id] || (st.halos[it.id] = haloFor(st, it.poly, st.hitPane));
      var at = map.containerPointToLatLng(it.p);
      h.halo.setLatLng(at).addTo(map);
      if (it.p.distanceTo(it.c) > HALO) { h.leader.setLatLngs([map.containerPointToLatLng(it.c), at]).addTo(map); }
      else { map.removeLayer(h.leader); }
      it.box = { x0: it.p.x - HALO, y0: it.p.y - HALO, x1: it.p.x + HALO, y1: it.p.y + HALO };
    });
    return items;
  }

  /* A badge sits at the north-east corner of what is tapped: the shape, or its halo. */
  function placeBadges(st, items) {
    items.forEach(function (it) {
      var b = st.badges[it.id];
      if (!b) { return; }
      var ne = it.small ? L.point(it.p.x + HALO * 0.6, it.p.y - HALO * 0.6) : L.point(it.r.x1, it.r.y0);
      b.setLatLng(st.map.containerPointToLatLng(ne));
      if (b.getElement()) { b.getElement().setAttribute("data-ccn-id", it.id); }
    });
  }

  /* ------------------------------------------------------------------ point labels */

  function labelMarker(map, text, kind, pane) {
    var span = el("span", "", text);
    return L.marker([0, 0], { pane: pane, interactive: false, keyboard: false,
      icon: L.divIcon({ className: "ccn-label ccn-label-" + kind, html: span, iconSize: null }) });
  }

  /* Cluster label candidates in priority order (the selected cluster, then by area): each
   * with the boxes it may take, below its shape first, then above, right, left. */
  function clusterCandidates(st, items) {
    var zoom = st.map.getZoom(), out = [];
    items.slice().sort(function (a, b) {
      return (b.id === st.selected) - (a.id === st.selected) ||
        b.poly.feature.properties.area - a.poly.feature.properties.area;
    }).forEach(function (it) {
      var p = it.poly.feature.properties, b = it.box, cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
      if (zoom >= LABEL_ZOOM || p.big || it.id === st.selected) {
        out.push({ key: "c:" + it.id, text: p.caption, kind: "cluster", own: it, at: function (w, h) {
          return [{ x0: cx - w / 2, y0: b.y1 + 1 }, { x0: cx - w / 2, y0: b.y0 - h - 1 },
                  { x0: b.x1 + 2, y0: cy - h / 2 }, { x0: b.x0 - w - 2, y0: cy - h / 2 }];
        } });
      }
    });
    return out;
  }

  function communeCandidates(st) {
    if (st.map.getZoom() < COMMUNE_ZOOM) { return []; }
    return st.communes.map(function (c) {
      var p = c.feature.properties, at = st.map.latLngToContainerPoint(p.lp);
      return { key: "m:" + p.caption, text: p.caption, kind: "commune", at: function (w, h) {
        return [{ x0: at.x - w / 2, y0: at.y - h / 2 }];
      } };
    });
  }

  /* Shows each candidate at its first position that stays on the map and covers no placed
   * label, no obstacle (line labels, controls) and no other cluster's shape or halo; the
   * others are removed. Returns the boxes placed. */
  function placeLabels(st, items, cands, obstacles, shown) {
    var size = st.map.getSize(), placed = [];
    cands.forEach(function (c) {
      var m = st.labels[c.key] || (st.labels[c.key] = labelMarker(st.map, c.text, c.kind, st.labelPane));
      if (!m.ccnSize) {  /* measured once: the text never changes */
        m.setLatLng(st.map.getCenter()).addTo(st.map);
        m.ccnSize = L.point(m.getElement().offsetWidth, m.getElement().offsetHeight);
      }
      var w = m.ccnSize.x, h = m.ccnSize.y;
      var fit = c.at(w, h).map(function (p) {
        return { x0: p.x0, y0: p.y0, x1: p.x0 + w, y1: p.y0 + h };
      }).filter(function (r) {
        return r.x0 >= 2 && r.y0 >= 2 && r.x1 <= size.x - 2 && r.y1 <= size.y - 2 &&
          !placed.some(function (o) { return overlap(o, r, 2); }) &&
          !obstacles.some(function (o) { return overlap(o, r, 1); }) &&
          !items.some(function (it) { return it !== c.own && overlap(it.box, r, 1); });
      })[0];
      if (!fit) { return; }
      placed.push(fit);
      shown[c.key] = true;
      m.setLatLng(st.map.containerPointToLatLng(L.point(fit.x0, fit.y0))).addTo(st.map);  /* top left */
    });
    return placed;
  }

  function hideOthers(st, shown) {
    Object.keys(st.labels).forEach(function (k) {
      if (!shown[k] && st.map.hasLayer(st.labels[k])) { st.map.removeLayer(st.labels[k]); }
    });
  }

  /* The map's visible controls (title box, buttons, legend...) in container pixels: labels
   * keep clear of them. */
  function controlBoxes(map) {
    var origin = map.getContainer().getBoundingClientRect(), out = [];
    Object.keys(map._controlCorners || {}).forEach(function (k) {
      Array.prototype.forEach.call(map._controlCorners[k].children, function (c) {
        var r = c.getBoundingClientRect();
        if (r.width && r.height) {
          out.push({ x0: r.left - origin.left, y0: r.top - origin.top,
                     x1: r.right - origin.left, y1: r.bottom - origin.top });
        }
      });
    });
    return out;
  }

  function layout(st) {
    st.pending = false;
    if (!st.map._loaded) { return; }
    var controls = controlBoxes(st.map), items = targets(st, controls);
    placeBadges(st, items);
    /* cluster names first, then road and river names around them, then communes */
    var shown = {}, clusters = placeLabels(st, items, clusterCandidates(st, items), controls, shown);
    var lines = placeLineLabels(st, items, controls.concat(clusters));
    placeLabels(st, items, communeCandidates(st), controls.concat(clusters, lines), shown);
    hideOthers(st, shown);
  }

  function later(st) {
    if (st.pending) { return; }
    st.pending = true;
    Promise.resolve().then(function () { layout(st); });
  }

  /* ------------------------------------------------------------------ print */

  var printing = [];

  function printSetup(st) {
    printing.push(st);
    if (printing.length > 1) { return; }
    global.addEventListener("beforeprint", function () {
      document.documentElement.classList.add("ccn-printing");
      printing.forEach(function (s) {
        s.before = { center: s.map.getCenter(), zoom: s.map.getZoom() };
        s.map.invalidateSize({ pan: false });
        home(s);
        layout(s);
      });
    });
    global.addEventListener("afterprint", function () {
      document.documentElement.classList.remove("ccn-printing");
      printing.forEach(function (s) {
        s.map.invalidateSize({ pan: false });
        if (s.before) { s.map.setView(s.before.center, s.before.zoom, { animate: false }); }
        layout(s);
      });
    });
  }

  /* ------------------------------------------------------------------ entry point */

  /* Called by ClusterSim.setup once a map's layers exist. */
  function carto(map, cfg, layers) {
    var group = layers.clusters || layers.dclusters || L.layerGroup(), text = cfg.text;
    var st = { map: map, group: group, home: cfg.home ? L.latLngBounds(cfg.home) : null,
               halos: {}, labels: {}, badges: {}, lines: [], selected: null, pending: false,
               communes: layers.communes ? layers.communes.getLayers().filter(function (c) {
                 return c.feature.properties.caption; }) : [] };
    st.hitPane = "ccn-hits";
    st.labelPane = "ccn-labels";
    translateControls(map, text);
    if (st.home) { homeButton(st, text.home); }
    if (cfg.panel) { panelButton(map, text.panel); }
    if (cfg.panel && map.getSize().x < NARROW) {  /* phone: the summary folds, the map shows */
      map.getContainer().querySelectorAll(".ccn-summary-box").forEach(function (d) { d.open = false; });
    }
    northArrow(map, text.north, text.north_label);
    fitPopups(map, !!cfg.panel);
    lineLabels(st, layers.roads, "ccn-road-label");
    lineLabels(st, layers.water, "ccn-water-label");
    if (layers.badges) {
      layers.badges.eachLayer(function (b) { st.badges[b.feature.properties.id] = b; });
    }
    if (group) {
      group.eachLayer(function (poly) {
        poly.on("add remove", function () { later(st); });
        poly.on("popupopen", function () { st.selected = poly.feature.properties.id; later(st); });
        poly.on("popupclose", function () {
          if (st.selected === poly.feature.properties.id) { st.selected = null; later(st); }
        });
      });
    }
    if (st.home && cfg.panel) { home(st); }
    map.on("zoomend moveend resize", function () { later(st); });
    map.on("resize", function () { fitColumns(map); });
    map.getContainer().addEventListener("toggle", function () { fitColumns(map); }, true);
    fitColumns(map);
    [layers.roads, layers.water].forEach(function (l) { if (l) { l.on("add remove", function () { later(st); }); } });
    if (layers.badges) { layers.badges.on("add", function () { later(st); }); }
    printSetup(st);
    CS.cartoStates.push(st);
    layout(st);
    return st;
  }

  CS.carto = carto;
  /* The i-th map back to the whole district (the "back to district" button). */
  CS.home = function (i) { home(CS.cartoStates[i]); };
  CS.layoutAll = function () { CS.cartoStates.forEach(layout); };
  CS.cartoStates = [];
  CS.TARGET = TARGET;
})(window.ClusterSim, window);
