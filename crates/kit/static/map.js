// Maps of the Baza PES, drawn with Leaflet (served from /static/vendor). Without JavaScript the
// page still works: the list is the accessible alternative and is always linked.
// <div data-map data-tiles data-attribution data-centre="lat,lon" data-zoom
//      [data-geojson="/api/v1/podmioty.geojson?…"] [data-point="lat,lon" data-label="…"]>
(function () {
  "use strict";

  function text(tag, content) {
    var el = document.createElement(tag);
    el.textContent = content;
    return el;
  }

  // Built from DOM nodes, never from HTML strings: names come from users.
  function popup(p) {
    var box = document.createElement("div");
    var link = text("a", p.name);
    link.href = p.url;
    box.appendChild(link);
    if (p.address_text) box.appendChild(text("p", p.address_text));
    if (p.legal_form && p.legal_form.name) box.appendChild(text("p", p.legal_form.name));
    return box;
  }

  function pair(value) {
    var parts = (value || "").split(",").map(Number);
    return parts.length === 2 && !isNaN(parts[0]) && !isNaN(parts[1]) ? parts : null;
  }

  function draw(el) {
    var centre = pair(el.dataset.centre) || [53.0138, 18.5984];
    var map = L.map(el, { scrollWheelZoom: false }).setView(centre, Number(el.dataset.zoom) || 12);
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    var point = pair(el.dataset.point);
    if (point) {
      L.marker(point, { title: el.dataset.label, alt: el.dataset.label }).addTo(map);
      map.setView(point, 15);
      return;
    }
    var status = document.getElementById(el.dataset.status);
    fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (data) {
        var group = L.markerClusterGroup({ showCoverageOnHover: false });
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var name = f.properties.name;
          group.addLayer(L.marker([c[1], c[0]], { title: name, alt: name }).bindPopup(popup(f.properties)));
        });
        map.addLayer(group);
        if (data.features.length > 0) map.fitBounds(group.getBounds(), { maxZoom: 15, padding: [20, 20] });
        el.dataset.markers = String(data.features.length);
        if (status) status.textContent = "Na mapie: " + data.features.length + ".";
      })
      .catch(function () {
        if (status) status.textContent = "Nie udało się wczytać organizacji na mapę. Skorzystaj z listy.";
      });
  }

  document.querySelectorAll("[data-map]").forEach(draw);
})();
