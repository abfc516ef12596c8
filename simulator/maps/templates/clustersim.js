/* clustersim maps: the project's own code on top of Leaflet (no other dependency).
 * Data arrives as GeoJSON in inline JSON data blocks whose feature
 * properties carry a Leaflet path style and already-escaped tooltip/popup HTML. */
(function (global) {
  "use strict";
  var maps = [];
  var clusterCounts = [];
  /* One pane per layer kind keeps the stacking fixed when layers are toggled: clusters stay
   * above the (interactive) communes whatever the layer control does. */
  var PANES = { district: 401, communes: 402, water: 403, roads: 404, hits: 449, clusters: 450,
                dclusters: 450, labels: 455, sites: 460 };

  function readData(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function onEachFeature(feature, layer) {
    var p = feature.properties;
    /* on the one-map page, keep popups clear of the controls down the right-hand side */
    var single = document.body.classList.contains("ccn-single");
    if (p.tooltip) {
      layer.bindTooltip(p.tooltip, { sticky: true, direction: "top", className: "ccn-tooltip" });
    }
    if (p.popup) {
      /* One DOM node per popup, made on first opening: the year slider updates it in place. */
      var node = null;
      layer.bindPopup(function () {
        if (!node) {
          node = document.createElement("div");
          node.innerHTML = p.popup;  /* server-escaped HTML */
        }
        return node;
      }, { maxWidth: 420, minWidth: 240, className: "ccn-popup-wrap",
           autoPanPaddingTopLeft: [50, 150], autoPanPaddingBottomRight: [single ? 290 : 20, 20] });
    }
    if (p.id !== undefined) {
      layer.on("add", function () {
        var el = layer.getElement && layer.getElement();
        if (el) { el.setAttribute("data-ccn-id", p.id); }
      });
    }
  }

  /* A rule-check badge: a small marker with a fixed symbol (no data in its HTML); a warning
   * is a small dot so that a failure stands out. */
  function badge(feature, latlng) {
    var fail = feature.properties.severity === "fail";
    return L.marker(latlng, {
      keyboard: false,
      /* anchored by its lower-left corner at the cluster's north-east corner: never on top */
      icon: L.divIcon({ className: "ccn-badge ccn-badge-" + (fail ? "fail" : "warn"),
                        html: fail ? "\u2716" : "", iconSize: fail ? [16, 16] : [10, 10],
                        iconAnchor: fail ? [0, 16] : [0, 10] })
    });
  }

  /* A candidate site's rank: a small numbered marker (the number is set as text), anchored
   * by its lower-left corner at the site's north-east corner, as the badges. */
  function siteRank(feature, latlng) {
    var span = document.createElement("span");
    span.textContent = String(feature.properties.rank);
    return L.marker(latlng, {
      keyboard: false,
      icon: L.divIcon({ className: "ccn-site-rank", html: span, iconSize: [20, 20],
                        iconAnchor: [2, 18] })
    });
  }

  function geoLayer(dataId, kind) {
    var pane = kind === "badges" ? "markerPane" : "ccn-" + kind;
    var layer = L.geoJSON(readData(dataId), {
      pane: pane,
      style: function (feature) { return feature.properties.style; },
      pointToLayer: function (feature, latlng) {  /* a point is a small circle, never a marker */
        if (kind === "badges") { return badge(feature, latlng); }
        if (kind === "sites") { return siteRank(feature, latlng); }
        return L.circleMarker(latlng, L.extend({ radius: 7, pane: pane }, feature.properties.style));
      },
      onEachFeature: onEachFeature
    });
    if (kind === "clusters") { clusterCounts.push(layer.getLayers().length); }
    return layer;
  }

  /* A control whose content is a server-rendered <template>. */
  function htmlControl(map, templateId, position, className) {
    var Control = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "ccn-box " + className);
        div.appendChild(document.getElementById(templateId).content.cloneNode(true));
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    return new Control({ position: position }).addTo(map);
  }

  function zoomAndScale(map) {
    L.control.zoom({ position: "topleft" }).addTo(map);
    L.control.scale({ position: "bottomleft", metric: true, imperial: false, maxWidth: 160 }).addTo(map);
  }

  /* Keep every map on the same centre and zoom; `busy` stops the echo from the others. */
  function sync(group) {
    var busy = false;
    group.forEach(function (source) {
      source.on("move zoomend", function () {
        if (busy) { return; }
        busy = true;
        try {
          group.forEach(function (target) {
            if (target !== source) {
              target.setView(source.getCenter(), source.getZoom(), { reset: true });
            }
          });
        } finally {
          busy = false;
        }
      });
    });
  }

  function register(map) {
    Object.keys(PANES).forEach(function (kind) {
      map.createPane("ccn-" + kind).style.zIndex = PANES[kind];
    });
    maps.push(map);
    return map;
  }

  /* Sets the flag the tests and the benchmark wait for: every map is drawn. */
  function ready() {
    global.CLUSTERSIM = {
      ready: true,
      readyAt: global.performance ? global.performance.now() : null,  /* ms since navigation */
      clusters: clusterCounts.reduce(function (a, b) { return a + b; }, 0),
      clustersPerMap: clusterCounts.slice(),
      maps: maps.length
    };
    if (global.requestAnimationFrame) {  /* two frames later the drawn maps are on screen */
      global.requestAnimationFrame(function () {
        global.requestAnimationFrame(function () { global.CLUSTERSIM.drawnAt = global.performance.now(); });
      });
    }
  }

  global.ClusterSim = {
    maps: maps,
    readData: readData,
    geoLayer: geoLayer,
    htmlControl: htmlControl,
    zoomAndScale: zoomAndScale,
    sync: sync,
    register: register,
    ready: ready
  };
})(window);
