/* clustersim maps: the project's own code on top of Leaflet (no other dependency).
 * Data arrives as GeoJSON in inline JSON data blocks whose feature
 * properties carry a Leaflet path style and already-escaped tooltip/popup HTML. */
(function (global) {
  "use strict";
  var maps = [];
  var clusterLayers = [];
  /* One pane per layer kind keeps the stacking fixed when layers are toggled: clusters stay
   * above the (interactive) communes whatever the layer control does. */
  var PANES = { district: 401, communes: 402, water: 403, roads: 404, clusters: 450 };

  function readData(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function onEachFeature(feature, layer) {
    var p = feature.properties;
    if (p.tooltip) {
      layer.bindTooltip(p.tooltip, { sticky: true, direction: "top", className: "ccn-tooltip" });
    }
    if (p.popup) {
      layer.bindPopup(p.popup, { maxWidth: 340, className: "ccn-popup-wrap" });
    }
    if (p.id !== undefined) {
      layer.on("add", function () {
        var el = layer.getElement && layer.getElement();
        if (el) { el.setAttribute("data-ccn-id", p.id); }
      });
    }
  }

  function geoLayer(dataId, kind) {
    var pane = "ccn-" + kind;
    var layer = L.geoJSON(readData(dataId), {
      pane: pane,
      style: function (feature) { return feature.properties.style; },
      pointToLayer: function (feature, latlng) {  /* a point is a small circle, never a marker */
        return L.circleMarker(latlng, L.extend({ radius: 7, pane: pane }, feature.properties.style));
      },
      onEachFeature: onEachFeature
    });
    if (kind === "clusters") { clusterLayers.push(layer); }
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

  function ready() {
    var perMap = clusterLayers.map(function (layer) { return layer.getLayers().length; });
    global.CLUSTERSIM = {
      ready: true,
      clusters: perMap.reduce(function (a, b) { return a + b; }, 0),
      clustersPerMap: perMap,
      maps: maps.length
    };
  }

  global.ClusterSim = {
    maps: maps,
    geoLayer: geoLayer,
    htmlControl: htmlControl,
    zoomAndScale: zoomAndScale,
    sync: sync,
    register: register,
    ready: ready
  };
})(window);
