/* clustersim maps: the year slider, commune shading, rule badges, fullscreen and a vector
 * mini-map, on top of clustersim.js. Texts from the config are only ever set with
 * textContent; the only HTML inserted is the server-escaped popup/tooltip HTML of the data. */
(function (CS) {
  "use strict";
  var states = [];
  var FULLSCREEN_ICON = '<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" ' +
    'fill="none" stroke="#333" stroke-width="2"><path d="M2 7V2h5M11 2h5v5M16 11v5h-5M7 16H2v-5"/></svg>';

  /* 1234.5 → "1,234.5" (en) or "1.234,5" (vi), as formatting.fmt_number. */
  function fmt(v, d, cfg) {
    if (v === null || v === undefined || !isFinite(v)) { return cfg.na; }
    var s = Math.abs(v).toFixed(d), parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, cfg.sep.thousands);
    return (v < 0 && /[1-9]/.test(s) ? "-" : "") + parts.join(cfg.sep.decimal);
  }

  /* median (P10–P90) in year i, as fragments.band_text. */
  function band(a, i, d, cfg) {
    return fmt(a[0][i], d, cfg) + " (" + fmt(a[1][i], d, cfg) + " \u2013 " + fmt(a[2][i], d, cfg) + ")";
  }

  function toggle(group, layer, on) {
    if (on && !group.hasLayer(layer)) { group.addLayer(layer); }
    if (!on && group.hasLayer(layer)) {
      if (layer.isPopupOpen && layer.isPopupOpen()) { layer.closePopup(); }
      group.removeLayer(layer);
    }
  }

  function updatePopup(st, layer) {
    var popup = layer.getPopup(), el = popup && popup.isOpen() && popup.getElement();
    var t = layer.feature.properties.t, i = st.index;
    if (!el || !t) { return; }
    el.querySelectorAll("[data-k]").forEach(function (span) {
      var a = t.ind[span.getAttribute("data-k")];
      if (a) { span.textContent = band(a, i, +span.getAttribute("data-d"), st.cfg); }
    });
    el.querySelectorAll("[data-ccn-year]").forEach(function (s) { s.textContent = st.tl.years[i]; });
    el.querySelectorAll("svg.ccn-spark").forEach(function (svg) {
      var x = (+svg.getAttribute("data-x0") + i * +svg.getAttribute("data-dx")).toFixed(1);
      var line = svg.querySelector(".ccn-fan-now");
      if (line) { line.setAttribute("x1", x); line.setAttribute("x2", x); }
    });
    popup.update();
  }

  /* Clusters appear in the years they exist, filled by their class; badges follow them. */
  function draw(st) {
    var i = st.index, shown = {}, n = 0;
    st.clusters.forEach(function (layer) {
      var t = layer.feature.properties.t, on = t.vis[i] === 1;
      shown[layer.feature.properties.id] = on;
      toggle(st.group, layer, on);
      if (on) {
        n += 1;
        layer.setStyle({ fillColor: st.tl.colors.fill[t.fill[i]] });
        updatePopup(st, layer);
      }
    });
    st.badges.forEach(function (layer) {
      var p = layer.feature.properties;
      toggle(st.layers.badges, layer, shown[p.id] !== false && i >= p.start);
    });
    st.visible = n;
  }

  /* Communes coloured by the chosen quantity in the year shown; the legend follows. */
  function shade(st) {
    var key = st.choice, i = st.index, info = st.tl.choices[key], colors = st.tl.colors[key];
    st.communes.forEach(function (layer) {
      var t = layer.feature.properties.t, s = key && t && t[key];
      layer.setStyle(s ? { fillColor: colors[s.c[i]], fillOpacity: st.cfg.shaded }
                       : { fillColor: "#ffffff", fillOpacity: 0.01 });
      if (layer.ccnTip) {
        layer.ccnTip.textContent = s ? info.label + ": " + band(s.v, i, info.digits, st.cfg) +
          " " + info.unit : "";
      }
    });
    st.scope.querySelectorAll("[data-ccn-choice]").forEach(function (el) {
      el.hidden = el.getAttribute("data-ccn-choice") !== key;
    });
  }

  function setYear(st, i, quiet) {
    st.index = Math.max(0, Math.min(st.tl.years.length - 1, i));
    var year = st.tl.years[st.index];
    draw(st);
    shade(st);
    st.scope.querySelectorAll("[data-ccn-year]").forEach(function (s) { s.textContent = year; });
    if (st.input) {
      st.input.value = st.index;
      st.input.setAttribute("aria-valuetext", year);
      st.output.textContent = year;
    }
    st.container.setAttribute("data-ccn-shown", year);
    if (!quiet && st.linked) {
      states.forEach(function (o) {
        if (o !== st && o.linked) { setYear(o, nearest(o.tl.years, year), true); }
      });
    }
  }

  function nearest(years, year) {
    var best = 0;
    years.forEach(function (y, k) { if (Math.abs(y - year) < Math.abs(years[best] - year)) { best = k; } });
    return best;
  }

  function stop(st) {
    if (!st.timer) { return; }
    clearInterval(st.timer);
    st.timer = null;
    st.play.textContent = "\u25B6";
    st.play.setAttribute("aria-label", st.cfg.text.play);
  }

  function start(st) {
    var last = st.tl.years.length - 1;
    if (st.index >= last) { setYear(st, 0); }
    st.play.textContent = "\u275A\u275A";
    st.play.setAttribute("aria-label", st.cfg.text.pause);
    st.timer = setInterval(function () {
      if (st.index >= last) { stop(st); } else { setYear(st, st.index + 1); }
    }, 800);
  }

  /* The slider and shading choice found in `root` drive `st` (and, when linked, every map
   * on the page); a choice applies to every state in `group`. */
  function wireControls(st, root, group) {
    var box = root.querySelector(".ccn-slider");
    if (box) {
      st.input = box.querySelector("input[type=range]");
      st.output = box.querySelector("output");
      st.play = box.querySelector(".ccn-play");
      st.input.addEventListener("input", function () { stop(st); setYear(st, +st.input.value); });
      st.play.addEventListener("click", function () { if (st.timer) { stop(st); } else { start(st); } });
      L.DomEvent.on(st.input, "keydown", L.DomEvent.stopPropagation);
    }
    root.querySelectorAll(".ccn-choice input[type=radio]").forEach(function (r) {
      r.addEventListener("change", function () {
        if (!r.checked) { return; }
        group.forEach(function (o) { o.choice = r.value; shade(o); });
      });
      L.DomEvent.on(r, "keydown", L.DomEvent.stopPropagation);
    });
  }

  /* Commune tooltips get a line for the shaded value (text only). */
  function communeTooltips(st) {
    st.communes.forEach(function (layer) {
      var p = layer.feature.properties, node = document.createElement("div");
      if (!p.t) { return; }
      node.innerHTML = p.tooltip;  /* server-escaped HTML */
      layer.ccnTip = document.createElement("div");
      layer.ccnTip.className = "ccn-tip-value";
      node.appendChild(layer.ccnTip);
      layer.unbindTooltip().bindTooltip(node, { sticky: true, direction: "top", className: "ccn-tooltip" });
    });
  }

  function fullscreen(map, label) {
    var Control = L.Control.extend({
      onAdd: function () {
        var b = L.DomUtil.create("button", "ccn-fullscreen leaflet-bar");
        b.type = "button";
        b.title = label;
        b.setAttribute("aria-label", label);
        b.setAttribute("aria-pressed", "false");
        b.innerHTML = FULLSCREEN_ICON;  /* a constant */
        L.DomEvent.disableClickPropagation(b);
        L.DomEvent.on(b, "click", function () {
          var el = map.getContainer(), on = !el.classList.contains("ccn-fs");
          el.classList.toggle("ccn-fs", on);
          b.setAttribute("aria-pressed", String(on));
          if (on && el.requestFullscreen) { el.requestFullscreen().catch(function () {}); }
          if (!on && document.fullscreenElement) { document.exitFullscreen().catch(function () {}); }
          map.invalidateSize();
        });
        return b;
      }
    });
    var bar = map.getContainer().querySelector(".leaflet-control-zoom");
    if (bar) {  /* in the zoom buttons' bar: one column of buttons, never pushed off the map */
      var b = new Control().onAdd();
      b.classList.remove("leaflet-bar");
      bar.appendChild(b);
    } else {
      new Control({ position: "topleft" }).addTo(map);
    }
    document.addEventListener("fullscreenchange", function () {
      if (!document.fullscreenElement && map.getContainer().classList.contains("ccn-fs")) {
        map.getContainer().classList.remove("ccn-fs");
        map.invalidateSize();
      }
    });
  }

  /* A vector overview: the district and its communes, and a box for the main map's view;
   * click to pan. */
  function miniMap(map, district, communes, label) {
    var Control = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "ccn-minimap");
        div.setAttribute("role", "img");
        div.setAttribute("aria-label", label);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    var mini = L.map(new Control({ position: "topleft" }).addTo(map).getContainer(), {
      attributionControl: false, zoomControl: false, dragging: false, scrollWheelZoom: false,
      doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false, zoomSnap: 0 });
    var outline = L.geoJSON(district.toGeoJSON(), { interactive: false,
      style: { color: "#444", weight: 1, fillColor: "#fbfaf6", fillOpacity: 1 } }).addTo(mini);
    if (communes) {
      L.geoJSON(communes.toGeoJSON(), { interactive: false,
        style: { color: "#9a9a9a", weight: 0.6, fill: false, className: "ccn-mini-commune" }
      }).addTo(mini);
    }
    mini.fitBounds(outline.getBounds(), { padding: [4, 4] });
    var box = L.rectangle(map.getBounds(), { color: "#d7301f", weight: 2, fill: false,
                                             interactive: false }).addTo(mini);
    map.on("move", function () { box.setBounds(map.getBounds()); });
    mini.on("click", function (e) { map.panTo(e.latlng); });
  }

  /* Clicking a badge opens its cluster's popup. */
  function badgeClicks(layers) {
    var group = layers.clusters || layers.dclusters, byId = {};
    if (!layers.badges || !group) { return; }
    group.eachLayer(function (l) { byId[l.feature.properties.id] = l; });
    layers.badges.eachLayer(function (b) {
      b.on("click", function () {
        var c = byId[b.feature.properties.id];
        if (c && group.hasLayer(c)) { c.openPopup(); }
      });
    });
  }

  function setup(map, configId, layers) {
    var cfg = CS.readData(configId);
    fullscreen(map, cfg.text.fullscreen);
    badgeClicks(layers);
    if (cfg.minimap && layers.district) {
      miniMap(map, layers.district, layers.communes, cfg.text.minimap);
    }
    if (CS.carto) { CS.carto(map, cfg, layers); }
    if (!cfg.timeline) { return; }
    var group = layers.clusters || layers.dclusters;
    var st = {
      map: map, cfg: cfg, tl: cfg.timeline, layers: layers, group: group,
      container: map.getContainer(), index: cfg.timeline.index, choice: cfg.timeline.choice,
      scope: map.getContainer().closest(".ccn-cell") || map.getContainer(),
      clusters: group.getLayers(), communes: layers.communes ? layers.communes.getLayers() : [],
      badges: layers.badges ? layers.badges.getLayers() : [], timer: null, linked: false
    };
    st.clusters.forEach(function (layer) {
      layer.on("popupopen", function () { updatePopup(st, layer); });
    });
    communeTooltips(st);
    wireControls(st, st.container, [st]);
    states.push(st);
    setYear(st, st.index, true);
  }

  /* All maps on the page show the same year, driven by the page's shared slider and
   * shading choice (comparison page). */
  function linkYears() {
    var root = document.querySelector(".ccn-shared");
    states.forEach(function (st) { st.linked = true; });
    if (root && states.length) { wireControls(states[0], root, states); }
  }

  CS.fmt = fmt;
  CS.setup = setup;
  CS.linkYears = linkYears;
  CS.years = function () { return states.map(function (st) { return st.tl.years[st.index]; }); };
  CS.visible = function () { return states.map(function (st) { return st.visible; }); };
})(window.ClusterSim);
